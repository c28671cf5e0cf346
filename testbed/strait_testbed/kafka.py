"""Small Kafka helpers for the end-to-end tests, on confluent-kafka (Debian's
python3-confluent-kafka, linked to the same librdkafka 2.0.2 as strait)."""

import ctypes
import dataclasses
import time
import uuid
from typing import Dict, List, Optional, Tuple

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic


class _Quiet:
    def log(self, *args, **kwargs):
        pass


QUIET = {"logger": _Quiet()}


def _headers(message) -> List[Tuple[str, Optional[bytes]]]:
    """The message's headers. python3-confluent-kafka 1.7.0 (Debian) puts None into a header
    tuple without taking a reference to it, so each null header value read would lower
    None's reference count until the interpreter aborts ("none_dealloc"). Take the missing
    reference here."""
    headers = list(message.headers() or [])
    for _, value in headers:
        if value is None:
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(None))
    return headers


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@dataclasses.dataclass
class Record:
    key: Optional[bytes]
    value: Optional[bytes]
    headers: List[Tuple[str, Optional[bytes]]]
    timestamp: int
    partition: int = 0
    offset: int = -1


def admin(bootstrap: str) -> AdminClient:
    return AdminClient({"bootstrap.servers": bootstrap, **QUIET})


def create_topic(bootstrap: str, name: str, partitions: int = 1, replication: int = 1,
                 config: Optional[Dict[str, str]] = None):
    client = admin(bootstrap)  # must outlive the future: destroying it fails the request
    futures = client.create_topics(
        [NewTopic(name, partitions, replication, config=config or {})], operation_timeout=30)
    futures[name].result(timeout=60)


def topic_partitions(bootstrap: str, name: str) -> Optional[int]:
    md = admin(bootstrap).list_topics(timeout=10)
    t = md.topics.get(name)
    if t is None or t.error is not None:
        return None
    return len(t.partitions)


def topic_names(bootstrap: str) -> List[str]:
    return sorted(admin(bootstrap).list_topics(timeout=10).topics.keys())


def topic_config(bootstrap: str, name: str) -> Dict[str, str]:
    res = ConfigResource(ConfigResource.Type.TOPIC, name)
    client = admin(bootstrap)
    entries = client.describe_configs([res])[res].result(timeout=30)
    return {k: e.value for k, e in entries.items()}


def produce(bootstrap: str, topic: str, records: List[Record], **conf) -> None:
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5,
                  "enable.idempotence": True, **conf, **QUIET})
    errors = []

    def on_delivery(err, msg):
        if err is not None:
            errors.append(err)

    for r in records:
        while True:
            try:
                p.produce(topic, value=r.value, key=r.key, partition=r.partition,
                          headers=r.headers or None, timestamp=r.timestamp or 0,
                          on_delivery=on_delivery)
                break
            except BufferError:
                p.poll(0.1)
        p.poll(0)
    remaining = p.flush(120)
    assert remaining == 0, f"{remaining} records not delivered to {topic}"
    assert not errors, f"delivery errors: {errors[:3]}"


def consume_all(bootstrap: str, topic: str, partitions: Optional[List[int]] = None,
                isolation: str = "read_committed", timeout: float = 60,
                expect: Optional[int] = None) -> List[Record]:
    """Reads every partition from the start to its current end (or until `expect` records
    arrived, when the end is still moving), in partition then offset order."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": unique("reader"),
                  "enable.auto.commit": False, "isolation.level": isolation,
                  "enable.partition.eof": True, **QUIET})
    try:
        if partitions is None:
            md = c.list_topics(topic, timeout=10)
            partitions = sorted(md.topics[topic].partitions.keys())
        ends = {}
        for p in partitions:
            _, high = c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            ends[p] = high
        c.assign([TopicPartition(topic, p, 0) for p in partitions])
        out: Dict[int, List[Record]] = {p: [] for p in partitions}
        done = {p for p in partitions if ends[p] == 0} if expect is None else set()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            total = sum(len(v) for v in out.values())
            if expect is None and len(done) == len(partitions):
                break
            if expect is not None and total >= expect:
                break
            for m in c.consume(1000, 0.5):
                if m.error():
                    if m.error().code() == -191:  # _PARTITION_EOF
                        if expect is None and m.offset() >= ends[m.partition()]:
                            done.add(m.partition())
                        continue
                    raise KafkaException(m.error())
                out[m.partition()].append(Record(
                    m.key(), m.value(), _headers(m), m.timestamp()[1],
                    m.partition(), m.offset()))
        return [r for p in partitions for r in out[p]]
    finally:
        c.close()


def end_offsets(bootstrap: str, topics: List[str], timeout: float = 5) -> Dict[Tuple[str, int], int]:
    """The high watermark of every partition of `topics`."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": unique("ends"), **QUIET})
    try:
        ends = {}
        for topic in topics:
            md = c.list_topics(topic, timeout=timeout)
            for p in md.topics[topic].partitions:
                _, high = c.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout)
                ends[(topic, p)] = high
        return ends
    finally:
        c.close()


def wait_for(predicate, timeout: float, what: str, interval: float = 0.2):
    """Polls `predicate` until it returns a truthy value; fails with `what` on timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {last!r})")
