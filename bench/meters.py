"""What the harness measures while a replicator runs: CPU and memory of process trees, the
progress of the target cluster, and how busy the rest of the machine was.

Each meter samples in its own daemon thread, so that a slow Kafka request never delays a
CPU sample, and keeps every sample: results are computed afterwards over exactly the
window that matters (first record on the target to the last one).
"""

import bisect
import os
import threading
import time
from typing import Callable, Dict, List, Optional, Tuple

import psutil

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def tree(pid: int) -> List[psutil.Process]:
    """The process and all its descendants, or nothing if it has gone."""
    try:
        root = psutil.Process(pid)
        return [root] + root.children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def tree_usage(pid: int) -> Tuple[float, int]:
    """(user + system CPU seconds, resident bytes) of a process tree. Threads are included
    in their process's figures; children that exited are not (none of ours fork)."""
    cpu, rss = 0.0, 0
    for proc in tree(pid):
        try:
            t = proc.cpu_times()
            cpu += t.user + t.system
            rss += proc.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return cpu, rss


def machine_busy_seconds() -> float:
    """CPU seconds every core of the machine has spent not idle, from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def harness_seconds() -> float:
    """CPU seconds of this harness and everything it started: live descendants (brokers,
    replicator, proxy, tools) plus children that already exited and were reaped."""
    me = psutil.Process()
    t = me.cpu_times()
    total = t.user + t.system + t.children_user + t.children_system
    for child in me.children(recursive=True):
        try:
            ct = child.cpu_times()
            total += ct.user + ct.system
        except psutil.NoSuchProcess:
            continue
    return total


class Series:
    """Time-stamped samples of one or more values, with interpolation between them."""

    def __init__(self):
        self.times: List[float] = []
        self.values: List[Tuple[float, ...]] = []
        self.lock = threading.Lock()

    def add(self, t: float, *values: float):
        with self.lock:
            self.times.append(t)
            self.values.append(values)

    def at(self, t: float, index: int = 0) -> Optional[float]:
        """The value at time t, linearly interpolated; clamped to the first/last sample."""
        with self.lock:
            if not self.times:
                return None
            i = bisect.bisect_left(self.times, t)
            if i == 0:
                return self.values[0][index]
            if i >= len(self.times):
                return self.values[-1][index]
            t0, t1 = self.times[i - 1], self.times[i]
            v0, v1 = self.values[i - 1][index], self.values[i][index]
            return v0 if t1 == t0 else v0 + (v1 - v0) * (t - t0) / (t1 - t0)

    def max(self, index: int = 0) -> float:
        with self.lock:
            return max((v[index] for v in self.values), default=0.0)

    def last(self) -> Optional[Tuple[float, Tuple[float, ...]]]:
        with self.lock:
            return (self.times[-1], self.values[-1]) if self.times else None

    def points(self) -> List[Tuple[float, Tuple[float, ...]]]:
        with self.lock:
            return list(zip(self.times, self.values))


class Sampler(threading.Thread):
    """Calls `probe` every `interval` seconds and records what it returns in a Series.
    A probe that raises is skipped for that turn (a broker busy creating a topic, say)."""

    def __init__(self, probe: Callable[[], Tuple[float, ...]], interval: float, name: str):
        super().__init__(daemon=True, name=name)
        self.probe = probe
        self.interval = interval
        self.series = Series()
        self.errors = 0
        self._halt = threading.Event()
        self._first = threading.Event()

    def run(self):
        next_at = time.monotonic()
        while not self._halt.is_set():
            try:
                values = self.probe()
                self.series.add(time.monotonic(), *values)
                self._first.set()
            except Exception:  # noqa: BLE001 - a failed sample is only a missing point
                self.errors += 1
            next_at += self.interval
            self._halt.wait(max(0.0, next_at - time.monotonic()))

    def stop(self):
        self._halt.set()
        self.join(timeout=10)

    def wait_first(self, timeout: float) -> bool:
        return self._first.wait(timeout)


class ResourceMeter:
    """CPU seconds and RSS of named process trees every 200 ms, plus the machine's busy
    time and the harness's own share of it, so that CPU spent by processes that are not
    ours (another engineer's tests) shows up as "foreign" load in the report."""

    INTERVAL = 0.2

    def __init__(self, groups: Dict[str, List[int]]):
        self.names = list(groups)
        self.groups = groups
        self.sampler = Sampler(self._probe, self.INTERVAL, "resource-meter")

    def _probe(self) -> Tuple[float, ...]:
        out: List[float] = []
        for name in self.names:
            cpu, rss = 0.0, 0
            for pid in self.groups[name]:
                c, r = tree_usage(pid)
                cpu, rss = cpu + c, rss + r
            out += [cpu, float(rss)]
        return tuple(out) + (machine_busy_seconds(), harness_seconds())

    def start(self) -> "ResourceMeter":
        self.sampler.start()
        self.sampler.wait_first(timeout=5)
        return self

    def stop(self):
        self.sampler.stop()

    def cpu(self, group: str, t: float) -> float:
        return self.sampler.series.at(t, 2 * self.names.index(group)) or 0.0

    def peak_rss(self, group: str) -> float:
        return self.sampler.series.max(2 * self.names.index(group) + 1)

    def busy_fraction(self, t0: float, t1: float, cores: int) -> float:
        """Share of the machine's CPU capacity in use between t0 and t1, by anyone: the
        issue's "is the copy bound by CPU" figure (brokers, replicator and the rest)."""
        s = self.sampler.series
        k = 2 * len(self.names)
        busy = (s.at(t1, k) or 0.0) - (s.at(t0, k) or 0.0)
        return busy / max(1e-9, (t1 - t0) * cores)

    def foreign_fraction(self, t0: float, t1: float, cores: int) -> float:
        """Share of the machine's CPU capacity used between t0 and t1 by processes that
        are not this harness or its descendants."""
        s = self.sampler.series
        k = 2 * len(self.names)
        busy = (s.at(t1, k) or 0.0) - (s.at(t0, k) or 0.0)
        ours = (s.at(t1, k + 1) or 0.0) - (s.at(t0, k + 1) or 0.0)
        return max(0.0, busy - ours) / max(1e-9, (t1 - t0) * cores)


class ProgressMeter:
    """Records on the target (the sum of its end offsets) over time, sampled by `count`."""

    def __init__(self, count: Callable[[], int], interval: float = 0.25):
        self.sampler = Sampler(lambda: (float(count()),), interval, "progress-meter")

    def start(self) -> "ProgressMeter":
        self.sampler.start()
        return self

    def stop(self):
        self.sampler.stop()

    def latest(self) -> int:
        last = self.sampler.series.last()
        return int(last[1][0]) if last else 0

    def first_time_above(self, records: int) -> Optional[Tuple[float, int]]:
        """(time, count) of the first sample with more than `records` records."""
        for t, (v,) in self.sampler.series.points():
            if v > records:
                return t, int(v)
        return None

    def first_time_at_least(self, records: int) -> Optional[float]:
        for t, (v,) in self.sampler.series.points():
            if v >= records:
                return t
        return None

    def points(self) -> List[Tuple[float, int]]:
        return [(t, int(v[0])) for t, v in self.sampler.series.points()]

