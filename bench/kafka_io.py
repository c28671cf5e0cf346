"""Kafka helpers for the harness, on Debian's python3-confluent-kafka (librdkafka 2.0.2).

End offsets are what every scenario measures, for strait and MirrorMaker 2 alike: a
replicator has mirrored a partition when the target's end offset equals the source's.
They are read with one ListOffsets(LATEST) request per broker (`offsets_for_times` with
timestamp -1), so that polling a thousand partitions every second stays cheap.
"""

import time
from typing import Dict, Iterable, List, Optional, Tuple

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

TP = Tuple[str, int]


class _Quiet:
    """Drops librdkafka's log lines (connection refused while a broker starts, ...)."""

    def log(self, *args, **kwargs):
        pass


QUIET = {"logger": _Quiet(), "log_level": 0}


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
        md = self._consumer.list_topics(timeout=10)
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
        out = self._consumer.offsets_for_times(tps, timeout=10)
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
        for future in self.admin.create_topics(new, operation_timeout=60).values():
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
