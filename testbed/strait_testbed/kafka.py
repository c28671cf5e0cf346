"""Kafka helpers for the end-to-end tests and the benchmarks, on confluent-kafka (Debian's
python3-confluent-kafka, on its librdkafka 2.0.2: fine on plaintext listeners).

End offsets are what every benchmark scenario measures, for strait and MirrorMaker 2 alike:
a replicator has mirrored a partition when the target's end offset equals the source's.
Cluster reads them with one ListOffsets(LATEST) request per broker (`offsets_for_times` with
timestamp -1), so that polling a thousand partitions every second stays cheap."""

import ctypes
import dataclasses
import json
import subprocess
import tempfile
import time
import uuid
from typing import Dict, Iterable, Iterator, List, Optional, Tuple

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

from . import paths


TP = Tuple[str, int]


class _Quiet:
    """Drops librdkafka's log lines (connection refused while a broker starts, ...)."""

    def log(self, *args, **kwargs):
        pass

    def __getattr__(self, name):
        return lambda *a, **k: None


QUIET = {"logger": _Quiet(), "log_level": 0}


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
                 config: Optional[Dict[str, str]] = None,
                 assignment: Optional[List[List[int]]] = None):
    """`assignment`: the replicas of each partition, its preferred leader first (then
    `partitions` and `replication` are not used)."""
    client = admin(bootstrap)  # must outlive the future: destroying it fails the request
    if assignment:
        topic = NewTopic(name, len(assignment), replica_assignment=assignment,
                         config=config or {})
    else:
        topic = NewTopic(name, partitions, replication, config=config or {})
    futures = client.create_topics([topic], operation_timeout=30)
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


# What a group coordinator answers while it moves or loads its groups: the client is to
# find it again and retry. A busy test machine sees it; a commit in a test rides it out.
_COORDINATOR_MOVING = {KafkaError.NOT_COORDINATOR, KafkaError.COORDINATOR_LOAD_IN_PROGRESS,
                       KafkaError.COORDINATOR_NOT_AVAILABLE}


def commit_offsets(c: Consumer, offsets: List[TopicPartition], timeout: float = 60) -> None:
    """A synchronous commit of `offsets` that retries while the coordinator moves or loads."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            c.commit(offsets=offsets, asynchronous=False)
            return
        except KafkaException as e:
            if e.args[0].code() not in _COORDINATOR_MOVING or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def consume_all(bootstrap: str, topic: str, partitions: Optional[List[int]] = None,
                isolation: str = "read_committed", timeout: float = 60,
                expect: Optional[int] = None) -> List[Record]:
    """Reads every partition from the start to its current end (or until `expect` records
    arrived, when the end is still moving), in partition then offset order."""
    # From the log start, which retention or deleted records may have moved past offset 0.
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": unique("reader"),
                  "enable.auto.commit": False, "isolation.level": isolation,
                  "enable.partition.eof": True, "auto.offset.reset": "earliest", **QUIET})
    try:
        if partitions is None:
            md = c.list_topics(topic, timeout=10)
            partitions = sorted(md.topics[topic].partitions.keys())
        ends = {}
        for p in partitions:
            ends[p] = high_watermark(c, topic, p)
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


def kafka_tool(main_class: str, bootstrap: str, args: List[str], timeout: float = 120) -> str:
    """Runs one of Kafka's own command-line tools against a plaintext listener (for what
    Debian's Python client is too old: ACLs, deleting records, group offsets)."""
    cmd = [paths.java(), "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", paths.classpath(),
           "-Dlog4j2.rootLogger.level=warn", main_class, "--bootstrap-server", bootstrap, *args]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"{main_class} {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def delete_records(bootstrap: str, topic: str, partitions: List[int]) -> None:
    """Deletes every record of the partitions, as retention does: their logs then start at
    their high watermarks."""
    spec = {"version": 1, "partitions": [{"topic": topic, "partition": p, "offset": -1}
                                         for p in partitions]}
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        json.dump(spec, f)
        f.flush()
        kafka_tool("org.apache.kafka.tools.DeleteRecordsCommand", bootstrap,
                   ["--offset-json-file", f.name])


def delete_group_offsets(bootstrap: str, group: str, topic: str) -> None:
    """Deletes what group `group` committed for `topic`."""
    kafka_tool("org.apache.kafka.tools.consumer.group.ConsumerGroupCommand", bootstrap,
               ["--delete-offsets", "--group", group, "--topic", topic])


def high_watermark(c: Consumer, topic: str, partition: int, timeout: float = 10) -> int:
    """The partition's high watermark. Right after a broker restart its leadership may still
    be moving (NOT_LEADER_FOR_PARTITION, LEADER_NOT_AVAILABLE): asked again until
    `timeout` has passed."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return c.get_watermark_offsets(TopicPartition(topic, partition), timeout=timeout)[1]
        except KafkaException as e:
            moving = e.args[0].code() in (KafkaError.NOT_LEADER_FOR_PARTITION,
                                          KafkaError.LEADER_NOT_AVAILABLE)
            if not moving or time.monotonic() >= deadline:
                raise
            time.sleep(0.2)


def end_offsets(bootstrap: str, topics: List[str], timeout: float = 5) -> Dict[Tuple[str, int], int]:
    """The high watermark of every partition of `topics`."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": unique("ends"), **QUIET})
    try:
        ends = {}
        for topic in topics:
            md = c.list_topics(topic, timeout=timeout)
            for p in md.topics[topic].partitions:
                ends[(topic, p)] = high_watermark(c, topic, p, timeout)
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


# ---- for the benchmarks ---------------------------------------------------------------

class Cluster:
    """Admin and offset queries against one cluster, with clients kept open: creating a
    librdkafka client per poll would cost more than the poll."""

    def __init__(self, bootstrap: str):
        self.bootstrap = bootstrap
        self.admin = AdminClient({"bootstrap.servers": bootstrap, **QUIET})
        self._consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "strait-bench-meter",
                                   "enable.auto.commit": False, **QUIET})

    def close(self):
        self._consumer.close()

    def partitions(self, topics: Optional[Iterable[str]] = None) -> Dict[str, int]:
        """Partition counts of the topics that exist (all topics if None)."""
        # Metadata of 10,000 partitions on a busy machine can take more than 10 s.
        md = self._consumer.list_topics(timeout=30)
        wanted = None if topics is None else set(topics)
        return {name: len(t.partitions) for name, t in md.topics.items()
                if (wanted is None or name in wanted) and t.error is None}

    def end_offsets(self, topics: Iterable[str]) -> Dict[TP, int]:
        """End offset of every partition of the topics that exist; raises KafkaException
        while a partition has no leader yet (a topic just created), which samplers skip."""
        counts = self.partitions(topics)
        tps = [TopicPartition(t, p, -1) for t, n in counts.items() for p in range(n)]
        if not tps:
            return {}
        out = self._consumer.offsets_for_times(tps, timeout=30)
        return {(tp.topic, tp.partition): tp.offset for tp in out}

    def total(self, topics: Iterable[str]) -> int:
        return sum(max(0, o) for o in self.end_offsets(topics).values())

    def wait_end_offsets(self, topics: Iterable[str], timeout: float = 30) -> Dict[TP, int]:
        """end_offsets, retried until every partition has a leader."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.end_offsets(topics)
            except KafkaException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def create_topics(self, partitions: Dict[str, int], config: Optional[Dict[str, str]] = None):
        """Creates the topics and returns once every partition has a leader."""
        new = [NewTopic(name, n, 1, config=config or {}) for name, n in partitions.items()]
        for chunk in _chunks(new):
            for future in self.admin.create_topics(chunk, operation_timeout=60).values():
                future.result(timeout=120)
        self.wait_end_offsets(partitions, timeout=120)

    def delete_topics(self, names: List[str], timeout: float = 180):
        """Deletes the topics and returns once the metadata no longer lists them, so that
        the next run starts on a broker that has finished the deletion's bookkeeping."""
        if not names:
            return
        for future in self.admin.delete_topics(names, operation_timeout=60).values():
            try:
                future.result(timeout=120)
            except KafkaException:
                pass  # already gone
        deadline = time.monotonic() + timeout
        while self.partitions(names) and time.monotonic() < deadline:
            time.sleep(0.25)

    def topics_containing(self, text: str) -> List[str]:
        return sorted(t for t in self.partitions() if text in t)


# A KRaft controller refuses a request that would write more than 10,000 metadata records
# ("Unable to perform excessively large batch operation"): one per topic and per partition.
MAX_PARTITIONS_PER_CREATE = 5000


def _chunks(topics: List[NewTopic]) -> Iterator[List[NewTopic]]:
    chunk, partitions = [], 0
    for t in topics:
        if chunk and partitions + t.num_partitions > MAX_PARTITIONS_PER_CREATE:
            yield chunk
            chunk, partitions = [], 0
        chunk.append(t)
        partitions += t.num_partitions
    if chunk:
        yield chunk


def produce_per_partition(bootstrap: str, partitions: Dict[str, int], records: int,
                          value: bytes):
    """Writes `records` records into every partition of the topics, and waits for them."""
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20,
                         "compression.codec": "lz4", "queue.buffering.max.messages": 1000000,
                         **QUIET})
    for topic, count in partitions.items():
        for p in range(count):
            for _ in range(records):
                _produce(producer, topic, value, partition=p)
    _flush(producer)


def _produce(producer: Producer, topic: str, value: bytes, partition: int = -1):
    while True:
        try:
            producer.produce(topic, value=value, partition=partition)
            return
        except BufferError:
            producer.poll(0.1)


def _flush(producer: Producer, timeout: float = 120):
    left = producer.flush(timeout)
    if left:
        raise RuntimeError(f"{left} records were not acknowledged within {timeout} s")
