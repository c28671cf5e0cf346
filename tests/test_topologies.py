"""Topologies (issue 8) against real clusters: active-active with identical and with prefixed
names, chains, aggregate clusters, the replication graph, and failover in active-active.

Records carry their origin in their value ("dc1-17"), so a test can tell, on every cluster,
which records came from where, and check each origin's records arrived exactly once, in
order, in their partition — and that none came back to where it was produced."""

import json
import subprocess
from collections import defaultdict

import pytest

from strait_testbed.e2e import Feeder, commit_part_of_each_partition, now_ms, resume_as_group
from strait_testbed.kafka import (Record, consume_all, create_topic, produce, topic_names, unique,
                                  wait_for)
from strait_testbed.verify import provenance, verify_topic

MESH = ("dc1", "dc2", "dc3")


def local_clusters(*clusters):
    return {c.alias: {"bootstrap.servers": c.bootstrap()} for c in clusters}


def flows_between(pairs, topic_regex, **extra):
    return [{"source": a, "target": b, "topics": [topic_regex], **extra} for a, b in pairs]


def full_mesh(names):
    return [(a, b) for a in names for b in names if a != b]


def origin_of(record) -> str:
    return record.value.decode().split("-", 1)[0]


def by_origin_and_partition(records):
    out = defaultdict(list)
    for r in records:
        out[(origin_of(r), r.partition)].append(r.value)
    return out


def produced_locally(records):
    """The records a cluster's own producers wrote: those without a provenance header."""
    return [r for r in records if provenance(r) is None]


def assert_each_origin_exactly_once(clusters, topic, origins):
    """On every cluster, each origin's records appear exactly once, in their partition and
    in the order they were produced, and no cluster holds a copy of its own records."""
    logs = {c.alias: consume_all(c.bootstrap(), topic) for c in clusters}
    produced = {}
    for alias in origins:
        local = produced_locally(logs[alias])
        assert local and all(origin_of(r) == alias for r in local), f"{alias}: foreign records look local"
        produced[alias] = by_origin_and_partition(local)
    for c in clusters:
        have = by_origin_and_partition(logs[c.alias])
        looped = [r for r in logs[c.alias] if origin_of(r) == c.alias and provenance(r) is not None]
        assert not looped, f"{len(looped)} records came back to {c.alias}, e.g. {looped[0].value!r}"
        for origin in origins:
            for key, values in produced[origin].items():
                assert have.get(key, []) == values, (
                    f"{c.alias}: records of {origin} in partition {key[1]}: "
                    f"{len(have.get(key, []))} (expected {len(values)}), equal={have.get(key) == values}")
        assert len(logs[c.alias]) == sum(
            len(v) for origin in origins for v in produced[origin].values()), f"{c.alias}: extra records"
    return {alias: sum(len(v) for v in produced[alias].values()) for alias in origins}


def run_cli(s, *args, timeout=60):
    return subprocess.run([str(s.binary), *args, "--config", str(s.config_path)],
                          capture_output=True, text=True, timeout=timeout)


def test_identity_full_mesh_delivers_every_record_once_everywhere_across_kill9(four_dcs, strait):
    dcs = four_dcs[:3]
    topic = unique("mesh")
    for c in dcs:
        create_topic(c.bootstrap(), topic, 3)
    feeders = [Feeder(c.bootstrap(), topic, 3, rate=200, tag=c.alias).start() for c in dcs]
    s = strait(local_clusters(*dcs),
               flows_between(full_mesh(MESH), topic, naming="identity", forward="local",
                             **{"emit.checkpoints": False, "sync.group.offsets": False}))
    try:
        for _ in range(3):
            # Kill while all three clusters take writes and every flow is copying.
            # (records count from the start of each process)
            wait_for(lambda: all(f["records"] > 100 for f in s.status()["flows"]), 90,
                     "every flow to copy records")
            s.kill()
            s.start()
    finally:
        sent = {f.tag: f.stop() for f in feeders}
    for a, b in full_mesh(MESH):
        s.wait_caught_up(f"{a}->{b}", [topic], timeout=180)
    counts = assert_each_origin_exactly_once(dcs, topic, MESH)
    assert counts == sent
    # Loops were actually attempted and stopped by provenance, not by luck.
    edges = s.status()["topology"]["edges"]
    assert sum(e["loop_records_dropped"] for e in edges) > 0
    assert sum(e["not_local_records_skipped"] for e in edges) > 0
    assert s.status()["topology"]["problems"] == []


def test_prefixed_active_active_never_mirrors_back_and_chains_name_every_hop(four_dcs, strait):
    dc1, dc2, dc3, _ = four_dcs
    topic = unique("aa")
    for c in (dc1, dc2):
        create_topic(c.bootstrap(), topic, 2)
        produce(c.bootstrap(), topic, [Record(b"k%d" % i, f"{c.alias}-{i}".encode(), [], now_ms(),
                                              partition=i % 2) for i in range(300)])
    regex = f"(dc[0-9][.])*{topic}"
    s = strait(local_clusters(dc1, dc2, dc3),
               flows_between([("dc1", "dc2"), ("dc2", "dc1"), ("dc2", "dc3")], regex))
    s.wait_caught_up("dc1->dc2", [topic])
    s.wait_caught_up("dc2->dc1", [topic])
    wait_for(lambda: f"dc2.dc1.{topic}" in topic_names(dc3.bootstrap()), 30, "the chained topic")
    s.wait_caught_up("dc2->dc3", [topic, f"dc1.{topic}"])
    for source, target, src_topic, remote in [(dc1, dc2, topic, f"dc1.{topic}"),
                                               (dc2, dc1, topic, f"dc2.{topic}"),
                                               (dc2, dc3, topic, f"dc2.{topic}"),
                                               (dc2, dc3, f"dc1.{topic}", f"dc2.dc1.{topic}")]:
        report = verify_topic(source.bootstrap(), src_topic, target.bootstrap(), remote)
        assert report.ok and report.target_records == report.source_records == 300, str(report)
    # A remote topic never goes back to where it came from: no cluster holds a topic whose
    # prefix chain names that cluster (no dc1.dc2.*, no dc1.* on dc1), heartbeats included.
    for c in (dc1, dc2, dc3):
        names = topic_names(c.bootstrap())
        assert not [n for n in names if c.alias in n.split(".")[:-1]], names
        assert f"dc1.dc2.{topic}" not in names
    # Heartbeats travel the same paths and name them, as MirrorMaker 2's tools expect.
    wait_for(lambda: {"dc2.heartbeats", "dc2.dc1.heartbeats"} <= set(topic_names(dc3.bootstrap())),
             30, "heartbeat topics on dc3")
    assert "dc1.heartbeats" in topic_names(dc2.bootstrap())
    assert "dc2.heartbeats" in topic_names(dc1.bootstrap())
    assert "dc1.dc2.heartbeats" not in topic_names(dc1.bootstrap())
    # The graph: every edge running, with an end-to-end lag from heartbeats.
    wait_for(lambda: all(e["lag_seconds"] is not None for e in s.status()["topology"]["edges"]),
             30, "heartbeat lag on every edge")
    out = run_cli(s, "status")
    assert out.returncode == 0, out.stdout + out.stderr
    for name in ("dc1->dc2", "dc2->dc1", "dc2->dc3"):
        assert name in out.stdout
    graph = json.loads(run_cli(s, "status", "--json").stdout)
    assert sorted(graph["clusters"]) == ["dc1", "dc2", "dc3"]
    assert all(e["state"] == "running" and e["lag_seconds"] < 30 for e in graph["edges"])


@pytest.mark.parametrize("naming", ["prefix", "identity"])
def test_aggregate_cluster_collects_every_origin_in_order(four_dcs, strait, naming):
    dc1, dc2, dc3, agg = four_dcs
    topic = unique(f"agg-{naming}")
    sent = {}
    for i, c in enumerate((dc1, dc2, dc3)):
        create_topic(c.bootstrap(), topic, 3)
        n = 200 * (i + 1)  # different counts, so that a mix-up shows
        produce(c.bootstrap(), topic, [Record(None, f"{c.alias}-{j}".encode(), [], now_ms(),
                                              partition=j % 3) for j in range(n)])
        sent[c.alias] = n
    s = strait(local_clusters(dc1, dc2, dc3, agg),
               flows_between([(a, "agg") for a in MESH], topic, naming=naming))
    for a in MESH:
        s.wait_caught_up(f"{a}->agg", [topic])
    if naming == "prefix":
        for c in (dc1, dc2, dc3):
            report = verify_topic(c.bootstrap(), topic, agg.bootstrap(), f"{c.alias}.{topic}")
            assert report.ok and report.source_records == sent[c.alias], str(report)
    else:
        merged = consume_all(agg.bootstrap(), topic)
        have = by_origin_and_partition(merged)
        for c in (dc1, dc2, dc3):
            for key, values in by_origin_and_partition(consume_all(c.bootstrap(), topic)).items():
                assert have[key] == values, f"{key}: order or content differs"
        assert len(merged) == sum(sent.values())
    # Counts per origin are visible: per flow (= per origin) and topic in /status and /metrics.
    status = {f["source"]: f for f in s.status()["flows"]}
    assert {a: sum(p["records"] for p in status[a]["partitions"] if p["topic"] == topic)
            for a in MESH} == sent
    for a in MESH:
        assert s.metric("strait_records_mirrored_total", flow=f"{a}->agg", topic=topic) == sent[a]


def test_topology_problems_are_reported_before_and_while_running(four_dcs, strait):
    dcs = four_dcs[:3]
    topic = unique("loopcfg")
    s = strait(local_clusters(*dcs), flows_between(full_mesh(MESH), topic, naming="identity"),
               start=False)
    out = run_cli(s, "check", "--offline")
    assert out.returncode == 1
    assert ("error duplicate-path: records produced on dc1 reach dc2 along 2 paths "
            "(dc1 -> dc2; dc1 -> dc3 -> dc2) and are written once per path; set forward: local "
            "on dc3->dc2") in out.stdout
    s.start()
    problems = s.status()["topology"]["problems"]
    assert len(problems) == 6 and {p["kind"] for p in problems} == {"duplicate-path"}
    out = run_cli(s, "status")
    assert out.returncode == 1 and "duplicate-path" in out.stdout
    assert "topology" in s.log_text() and "duplicate-path" in s.log_text()


def test_active_active_failover_moves_a_group_with_exact_positions_on_both_topics(
        four_dcs, strait):
    dc1, dc2 = four_dcs[:2]
    topic, group = unique("aafo"), unique("aafo-group")
    for c in (dc1, dc2):
        create_topic(c.bootstrap(), topic, 3)
        produce(c.bootstrap(), topic, [Record(b"k%d" % i, f"{c.alias}-{i}".encode(), [], now_ms(),
                                              partition=i % 3) for i in range(600)])
    regex = f"(dc[0-9][.])?{topic}"
    s = strait(local_clusters(dc1, dc2), flows_between([("dc1", "dc2"), ("dc2", "dc1")], regex,
                                                       **{"checkpoint.interval.ms": 1000}))
    s.wait_caught_up("dc1->dc2", [topic])
    s.wait_caught_up("dc2->dc1", [topic])
    # On dc1 the group reads the local topic and the one mirrored from dc2.
    local_cut = commit_part_of_each_partition(dc1.bootstrap(), topic, group, 0.3)
    remote_cut = commit_part_of_each_partition(dc1.bootstrap(), f"dc2.{topic}", group, 0.6)
    s.stop()
    # dc1 is lost: move the group to dc2 by hand, as the runbook says.
    out = subprocess.run([str(s.binary), "offsets", "apply", "--config", str(s.config_path),
                          "--group", group, "--from", "dc1", "--to", "dc2"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    dc1_records = consume_all(dc1.bootstrap(), topic)
    mirrored = consume_all(dc1.bootstrap(), f"dc2.{topic}")
    want_local = {(r.partition, r.offset) for r in dc1_records if r.offset >= local_cut[r.partition]}
    # dc2.<topic> on dc1 holds dc2's own records: the group continues in dc2's <topic> at the
    # upstream offset of its first unread record there.
    want_origin = {(r.partition, provenance(r)[0]) for r in mirrored
                   if r.offset >= remote_cut[r.partition]}
    got_local = resume_as_group(dc2.bootstrap(), group, f"dc1.{topic}", len(want_local))
    got_origin = resume_as_group(dc2.bootstrap(), group, topic, len(want_origin))
    assert sorted(got_local) == sorted(want_local)
    assert sorted(got_origin) == sorted(want_origin)
