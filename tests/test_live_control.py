"""Live control end to end: SIGHUP and `strait reload` change, add and remove flows while
records keep arriving; `strait pause` and `resume` stop and restart one flow across a
reload; an invalid file is refused and the running config kept. Every record is checked on
its target exactly once, and the untouched flow's longest pause during the reload is
measured (printed, and in docs/operations.md). strait logs JSON here (log.format: json),
so every line of its log must parse as one JSON object."""

import json
import threading
import time
from typing import Dict, List

import pytest
from confluent_kafka import OFFSET_END, Consumer, TopicPartition

from strait_testbed import ClusterSpec
from strait_testbed.e2e import Feeder
from strait_testbed.kafka import QUIET, consume_all, create_topic, end_offsets, unique, wait_for
from strait_testbed.verify import compare, provenance

UNTOUCHED, CHANGED, REMOVED, ADDED = "dc1->dc2", "dc1->dc3", "dc2->dc3", "dc2->dc1"


def events(s) -> List[dict]:
    """Every line of strait's log as a JSON object: a line that is not one fails the test."""
    out = []
    for line in s.log_text().splitlines():
        e = json.loads(line)
        assert list(e)[:4] == ["ts", "level", "component", "msg"], line
        out.append(e)
    return out


def count(s, msg: str, **fields) -> int:
    return sum(1 for e in events(s)
               if e["msg"] == msg and all(e.get(k) == v for k, v in fields.items()))


class ArrivalWatch:
    """Reads a target topic from its end and notes when each record arrives, to find the
    longest time in which none arrived."""

    def __init__(self, bootstrap: str, topic: str, partitions: int):
        self.arrivals: List[float] = []
        self._stop = threading.Event()
        self._consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": unique("watch"),
                                   "enable.auto.commit": False, **QUIET})
        self._consumer.assign([TopicPartition(topic, p, OFFSET_END) for p in range(partitions)])
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            for m in self._consumer.consume(500, 0.05):
                if not m.error():
                    self.arrivals.append(time.monotonic())

    def longest_gap(self, start: float, end: float) -> float:
        """The longest time without an arrival that ends inside [start, end], in seconds."""
        times = list(self.arrivals)
        gaps = [b - a for a, b in zip(times, times[1:]) if start <= b <= end]
        return max(gaps, default=end - start)

    def close(self):
        self._stop.set()
        self._thread.join(timeout=30)
        self._consumer.close()


def remote_ends(bootstrap: str, topic: str) -> int:
    return sum(end_offsets(bootstrap, [topic]).values())


def assert_exact_prefix(source_bootstrap, topic, target_bootstrap, remote):
    """The target holds each partition's first records once, in order, with no gap: what a
    flow copied before it was removed."""
    target = consume_all(target_bootstrap, remote)
    mirrored: Dict[int, int] = {}
    for r in target:
        mirrored[r.partition] = mirrored.get(r.partition, 0) + 1
    source = [r for r in consume_all(source_bootstrap, topic) if r.offset < mirrored.get(r.partition, 0)]
    report = compare(source, target)
    assert report.ok and report.target_records == len(source) > 0, str(report)
    for r in target:  # the offsets copied are 0..n-1 in each partition
        assert provenance(r)[0] < mirrored[r.partition]


def assert_exactly_once(source_bootstrap, topic, target_bootstrap, remote):
    report = compare(consume_all(source_bootstrap, topic), consume_all(target_bootstrap, remote))
    assert report.ok and report.target_records == report.source_records > 0, str(report)
    return report.source_records


@pytest.fixture(scope="module")
def three_dcs(bed, dc1_dc2):
    if "dc3" not in bed.clusters:
        bed.up(ClusterSpec("dc3"))
    return (*dc1_dc2, bed["dc3"])


def test_reload_and_pause_under_load(three_dcs, strait):
    dc1, dc2, dc3 = three_dcs
    a, b, c, d = (unique(f"live-{x}") for x in "abcd")
    for cluster, topic in ((dc1, a), (dc1, b), (dc2, c), (dc2, d)):
        create_topic(cluster.bootstrap(), topic, 3)
    clusters = {x.alias: {"bootstrap.servers": x.bootstrap()} for x in (dc1, dc2, dc3)}
    untouched = {"source": "dc1", "target": "dc2", "topics": [a]}
    changed = {"source": "dc1", "target": "dc3", "topics": [b]}
    removed = {"source": "dc2", "target": "dc3", "topics": [c]}
    added = {"source": "dc2", "target": "dc1", "topics": [d]}
    s = strait(clusters, [untouched, changed, removed], start=False)
    s.write_config(log={"level": "info", "format": "json"})
    s.start()
    feeders = [Feeder(cl.bootstrap(), t, 3, rate=300, tag=t).start()
               for cl, t in ((dc1, a), (dc1, b), (dc2, c), (dc2, d))]
    try:
        s.wait_caught_up(UNTOUCHED, [a])
        s.wait_caught_up(CHANGED, [b])
        s.wait_caught_up(REMOVED, [c])
        watch = ArrivalWatch(dc2.bootstrap(), f"dc1.{a}", 3)
        wait_for(lambda: len(watch.arrivals) > 100, 60, "records arriving on the untouched flow")
        baseline_start = time.monotonic()
        time.sleep(10)  # not a readiness wait: the window in which the baseline gap is measured
        records_before = s.flow(UNTOUCHED)["records"]

        # 1. SIGHUP: change one flow, remove one, add one; the first stays as it was.
        changed_v2 = {**changed, "heartbeat.interval.ms": 500}
        s.write_config(flows=[untouched, changed_v2, added])
        hup = time.monotonic()
        baseline_gap = watch.longest_gap(baseline_start, hup)
        s.sighup()
        wait_for(lambda: count(s, "config reloaded") == 1, 120, "the reload to finish")
        reloaded = time.monotonic()
        plan = [e for e in events(s) if e["msg"] == "config reloaded"][0]
        assert (plan["started"], plan["stopped"], plan["restarted"], plan["unchanged"]) == \
            (ADDED, REMOVED, CHANGED, "1")
        wait_for(lambda: s.flow(ADDED)["state"] == "running", 60, "the added flow to run")
        assert REMOVED not in [f["name"] for f in s.status()["flows"]]
        time.sleep(3)  # not a readiness wait: arrivals after the reload belong to the window
        reload_gap = watch.longest_gap(hup, time.monotonic())
        # The untouched flow was never restarted: it connected once, and its counters (which
        # a new flow would start from zero) only grew.
        assert count(s, "connected", flow=UNTOUCHED) == 1
        assert s.flow(UNTOUCHED)["records"] > records_before
        feeders[2].stop()  # the removed flow's topic: its records stay behind on dc2

        # 2. An invalid file is refused; the running config stays.
        good = s.config_path.read_text()
        s.write_config(text=good.replace("topics:", "topic:", 1))
        s.sighup()
        wait_for(lambda: count(s, "config not reloaded: the running config is kept") == 1, 60,
                 "the invalid config to be refused")
        refused = [e for e in events(s) if e["msg"].startswith("config not reloaded")][0]
        assert f"{s.config_path}:" in refused["error"] and "flows[0].topic: unknown key; " \
            "did you mean \"topics\"?" in refused["error"], refused
        assert s.metric("strait_config_last_reload_successful") == 0
        assert s.metric("strait_config_reloads_total", result="failure") == 1
        cli = s.cli("reload")
        assert cli.returncode == 2 and "flows[0].topic: unknown key" in cli.stderr, cli
        assert sorted(f["name"] for f in s.status()["flows"]) == sorted([UNTOUCHED, CHANGED, ADDED])
        s.write_config(text=good)

        # 3. Pause the changed flow; it stays paused through a reload that changes it again.
        cli = s.cli("pause", CHANGED)
        assert (cli.returncode, cli.stdout) == (0, f"{CHANGED} paused\n"), cli
        assert s.flow(CHANGED)["state"] == "paused"
        assert s.metric("strait_flow_paused", flow=CHANGED) == 1
        paused_end = remote_ends(dc3.bootstrap(), f"dc1.{b}")
        s.write_config(flows=[untouched, {**changed, "heartbeat.interval.ms": 700}, added])
        cli = s.cli("reload")
        assert cli.returncode == 0 and f"restarted  {CHANGED}" in cli.stdout, cli
        assert s.flow(CHANGED)["state"] == "paused"
        assert s.metric("strait_config_last_reload_successful") == 1
        wait_for(lambda: remote_ends(dc1.bootstrap(), b) > paused_end + 600, 60,
                 "the source of the paused flow to grow")
        assert remote_ends(dc3.bootstrap(), f"dc1.{b}") == paused_end  # nothing copied meanwhile
        cli = s.cli("resume", CHANGED)
        assert (cli.returncode, cli.stdout) == (0, f"{CHANGED} resumed\n"), cli
        assert s.cli("pause", "dc1->dc9").returncode == 1
        assert count(s, "connected", flow=UNTOUCHED) == 1

        for f in feeders:
            f.stop()
        s.wait_caught_up(UNTOUCHED, [a])
        s.wait_caught_up(CHANGED, [b])
        s.wait_caught_up(ADDED, [d])
    finally:
        for f in feeders:
            f.stop()
    watch.close()
    counts = {t: assert_exactly_once(src.bootstrap(), t, dst.bootstrap(), remote)
              for t, src, dst, remote in ((a, dc1, dc2, f"dc1.{a}"), (b, dc1, dc3, f"dc1.{b}"),
                                          (d, dc2, dc1, f"dc2.{d}"))}
    assert_exact_prefix(dc2.bootstrap(), c, dc3.bootstrap(), f"dc2.{c}")
    print(f"\nLIVE-CONTROL untouched flow: longest time without a record arriving on the target "
          f"during the reload {reload_gap * 1000:.0f} ms (reload took {(reloaded - hup) * 1000:.0f} "
          f"ms; baseline before it {baseline_gap * 1000:.0f} ms); records checked {counts}")
