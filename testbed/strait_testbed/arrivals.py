"""When committed records arrive on a target topic, per partition: how long a partition
stopped (the benchmarks' instance-failover scenario and tests/test_instances.py)."""

import bisect
import threading
import time
from typing import Dict, List, Tuple


class ArrivalMeter:
    """When records become visible on each partition of a target topic to a read_committed
    consumer: the moment a copy is committed is the moment it counts as mirrored. Keeps
    every arrival time (monotonic clock) per partition; reads from the end of the topic."""

    def __init__(self, bootstrap: str, topic: str, partitions: int):
        from confluent_kafka import OFFSET_END, Consumer, TopicPartition
        self.consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "strait-bench-arrivals",
                                  "enable.auto.commit": False, "isolation.level": "read_committed",
                                  "fetch.wait.max.ms": 10, "enable.partition.eof": False,
                                  "log_level": 0})
        self.consumer.assign([TopicPartition(topic, p, OFFSET_END) for p in range(partitions)])
        self.times: Dict[int, List[float]] = {p: [] for p in range(partitions)}
        self.lock = threading.Lock()
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="arrival-meter")

    def start(self) -> "ArrivalMeter":
        self._thread.start()
        return self

    def _run(self):
        while not self._halt.is_set():
            # Batches, stamped as they are handed over: a commit makes a whole transaction
            # visible at once, and the figures wanted here are pauses of seconds.
            msgs = self.consumer.consume(1000, 0.05)
            now = time.monotonic()
            with self.lock:
                for m in msgs:
                    if m.error() is None:
                        self.times[m.partition()].append(now)
        self.consumer.close()

    def stop(self):
        self._halt.set()
        self._thread.join(timeout=30)

    def last(self, partition: int) -> float:
        with self.lock:
            return self.times[partition][-1] if self.times[partition] else float("-inf")

    def all_since(self, t: float) -> bool:
        """Every partition has had an arrival after t."""
        return all(self.last(p) > t for p in self.times)

    def silent_since(self, t: float) -> Dict[int, str]:
        """{partition: when it last had an arrival} for those without one after t, for a
        failure message."""
        now = time.monotonic()
        return {p: ("never" if self.last(p) == float("-inf") else f"{now - self.last(p):.1f} s ago")
                for p in self.times if self.last(p) <= t}

    def longest_gap(self, partition: int, start: float, end: float) -> Tuple[float, float]:
        """(from, to) of the longest stretch without an arrival on `partition` that ends
        after `start`, among the arrivals up to `end`: from the last arrival before `start`
        (or `start`) to the next one."""
        with self.lock:
            times = list(self.times[partition])
        i = bisect.bisect_right(times, start)
        prev = times[i - 1] if i > 0 else start
        best = (prev, prev)
        for t in times[i:bisect.bisect_right(times, end)]:
            if t - prev > best[1] - best[0]:
                best = (prev, t)
            prev = t
        return best
