"""What the end-to-end tests share: the usual dc1 -> dc2 flow and its config, record sets
and a background producer, waits and checks on what was mirrored, and a consumer group's
commits and failover read. Plain functions: the fixtures that start clusters and strait
are in tests/conftest.py."""

import threading
import time

from confluent_kafka import Consumer, Producer, TopicPartition

from .kafka import QUIET, Record, consume_all
from .verify import provenance, verify_topic


def now_ms() -> int:
    return int(time.time() * 1000)


def clusters(dc1, dc2):
    # strait runs "in dc2": it reads dc1 over the WAN proxy and writes dc2 locally.
    return {"dc1": {"bootstrap.servers": dc1.bootstrap(wan=True)},
            "dc2": {"bootstrap.servers": dc2.bootstrap()}}


def flow(prefix: str, **extra) -> dict:
    return {"source": "dc1", "target": "dc2", "topics": [f"{prefix}.*"], **extra}


# Group offsets translated every second, so that a test does not wait for the default minute.
GROUP_SYNC = {"checkpoint.interval.ms": 1000}


def records(n: int, partitions: int, tag: str = "r") -> list:
    ts = now_ms() - 60_000
    out = []
    for i in range(n):
        key = None if i % 17 == 0 else f"k{i}".encode()
        value = None if i % 13 == 0 else (b"" if i % 19 == 0 else f"{tag}-{i}".encode() * (1 + i % 7))
        headers = [("seq", str(i).encode()), ("dup", b"a"), ("dup", b"b")] if i % 3 else \
            [("null-header", None)]
        out.append(Record(key, value, headers, ts + i, partition=i % partitions))
    return out


class Feeder:
    """Writes sequence-numbered records to a topic from a background thread. stop() returns
    how many it wrote, and raises if any of them did not reach the source: the test then
    fails saying so, not later as records missing on the target."""

    def __init__(self, bootstrap: str, topic: str, partitions: int, rate: int = 2000,
                 tag: str = "seq"):
        self.bootstrap, self.topic, self.partitions, self.rate = bootstrap, topic, partitions, rate
        self.tag = tag
        self.sent = 0
        self._failed = []  # delivery errors, and what stopped the thread
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def _delivered(self, err, _msg):
        if err is not None:
            self._failed.append(f"delivery failed: {err}")

    def _run(self):
        try:
            self._feed()
        except Exception as e:  # noqa: BLE001 - reported by stop(), in the test's thread
            self._failed.append(f"the feeder stopped: {e!r}")

    def _feed(self):
        p = Producer({"bootstrap.servers": self.bootstrap, "enable.idempotence": True,
                      "linger.ms": 5, **QUIET})
        interval = 1.0 / self.rate
        next_at = time.monotonic()
        while not self._stop.is_set():
            p.produce(self.topic, value=f"{self.tag}-{self.sent}".encode(), key=str(self.sent).encode(),
                      partition=self.sent % self.partitions, headers=[("n", str(self.sent).encode())],
                      on_delivery=self._delivered)
            self.sent += 1
            p.poll(0)
            next_at += interval
            delay = next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        left = p.flush(60)
        if left:
            self._failed.append(f"{left} records still unsent after 60 s")

    def stop(self, check=True):
        """`check=False`: a test that counts what the source holds instead of what was sent
        does not mind records the source did not take."""
        self._stop.set()
        self._thread.join(timeout=120)
        if self._thread.is_alive():
            raise AssertionError(f"feeder of {self.topic} did not stop within 120 s")
        if self._failed and check:
            raise AssertionError(f"feeder of {self.topic} wrote {self.sent} records, not all to "
                                 f"the source: {self._failed[:3]} ({len(self._failed)} problems)")
        return self.sent


def wait_caught_up(s, topics, timeout=120):
    s.wait_caught_up("dc1->dc2", topics, timeout)


def assert_mirrored(dc1, dc2, topic, remote=None, expect=None):
    report = verify_topic(dc1.bootstrap(), topic, dc2.bootstrap(), remote or f"dc1.{topic}",
                          expect=expect)
    assert report.ok, str(report)
    assert report.source_records > 0
    assert report.target_records == report.source_records, str(report)
    return report


def commit_part_of_each_partition(bootstrap, topic, group, fraction=0.4):
    """The group reads the first `fraction` of every partition's records and commits the
    position after the last one it read. Returns {partition: committed offset}."""
    records = consume_all(bootstrap, topic)
    cuts = {}
    for p in sorted({r.partition for r in records}):
        mine = [r for r in records if r.partition == p]
        read = mine[: max(1, int(len(mine) * fraction))]
        cuts[p] = read[-1].offset + 1
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group,
                  "enable.auto.commit": False, **QUIET})
    c.commit(offsets=[TopicPartition(topic, p, o) for p, o in cuts.items()], asynchronous=False)
    c.close()
    return cuts


def committed(bootstrap, group, topic, partitions):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, **QUIET})
    try:
        got = c.committed([TopicPartition(topic, p) for p in partitions], timeout=30)
        return {tp.partition: tp.offset for tp in got}
    finally:
        c.close()


def resume_as_group(bootstrap, group, topic, expect, own_offsets=False):
    """What a consumer of `group` reads on failover: it subscribes, starts at the group's
    committed offsets, and reads to the end. Returns (partition, offset) per record read:
    the source offset from the header for a copy, unless `own_offsets` (the offset on
    `bootstrap` itself, for topics that also hold that cluster's own records)."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                  "auto.offset.reset": "earliest", "isolation.level": "read_committed", **QUIET})
    c.subscribe([topic])
    out = []
    deadline = time.monotonic() + 90
    idle_since = None
    while time.monotonic() < deadline:
        msgs = c.consume(500, 0.5)
        for m in msgs:
            if m.error():
                continue
            out.append(m)
        if len(out) >= expect:
            # keep reading a little: anything beyond `expect` is a re-read
            if idle_since is None:
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since > 2 and not msgs:
                break
    records = []
    for m in out:
        prov = provenance(Record(m.key(), m.value(), list(m.headers() or []), 0))
        # On a target, the source offset from the header; on the original cluster, the offset.
        records.append((m.partition(), prov[0] if prov and not own_offsets else m.offset()))
    c.close()
    return records
