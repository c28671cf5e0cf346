"""Exact consumer-group failover and failback (issue 5), against real clusters.

A group consumes part of every partition on dc1 and commits; strait translates the group's
offsets to dc2 (checkpoints + committed offsets); a consumer of the same group on dc2 then
reads exactly the records the group had not consumed: zero re-read, zero skipped.

With naming: identity (issue 14) dc2's topic also holds dc2's own records between the
mirrored ones: the group resumes right after the last mirrored record it read, so that none
of them is skipped."""

import json
import os
import pathlib
import subprocess

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from strait_testbed import paths
from strait_testbed.e2e import (GROUP_SYNC, clusters, commit_part_of_each_partition, committed,
                                flow, now_ms, resume_as_group, wait_caught_up)
from strait_testbed.kafka import QUIET, Record, commit_offsets, consume_all, create_topic, produce, \
    unique, wait_for
from strait_testbed.mm2_records import decode_checkpoint
from strait_testbed.verify import provenance

def unconsumed(source_records, cuts):
    return {(r.partition, r.offset) for r in source_records if r.offset >= cuts[r.partition]}


def fill_plain(bootstrap, topic):
    create_topic(bootstrap, topic, 3)
    produce(bootstrap, topic, [Record(b"k%d" % i, b"v%d" % i, [], now_ms(), partition=i % 3)
                               for i in range(900)])


def fill_compacted(bootstrap, topic):
    """Keys overwritten many times, compacted by the broker until offsets have gaps."""
    create_topic(bootstrap, topic, 3, config={
        "cleanup.policy": "compact", "segment.ms": "200", "min.cleanable.dirty.ratio": "0.001",
        "min.compaction.lag.ms": "0", "delete.retention.ms": "100"})
    for round_ in range(5):
        produce(bootstrap, topic, [Record(b"key-%d" % (i % 40), b"r%d-%d" % (round_, i), [], now_ms(),
                                          partition=i % 3) for i in range(300)])

    def has_gaps():
        produce(bootstrap, topic, [Record(b"tick", b"t", [], now_ms(), partition=p) for p in range(3)])
        offsets = {}
        for r in consume_all(bootstrap, topic):
            offsets.setdefault(r.partition, []).append(r.offset)
        return len(offsets) == 3 and all(len(o) < o[-1] - o[0] + 1 for o in offsets.values())

    wait_for(has_gaps, 90, "the broker to compact the topic", interval=0.5)
    # Stop compacting, so that the records the test compares against stay put.
    from confluent_kafka.admin import ConfigResource
    from strait_testbed.kafka import admin
    client = admin(bootstrap)
    res = ConfigResource(ConfigResource.Type.TOPIC, topic, set_config={
        "cleanup.policy": "delete", "retention.ms": "86400000"})
    client.alter_configs([res])[res].result(30)


def fill_transactional(bootstrap, topic):
    create_topic(bootstrap, topic, 3)
    p = Producer({"bootstrap.servers": bootstrap, "transactional.id": unique("fill"), **QUIET})
    p.init_transactions(30)
    for batch in range(8):
        p.begin_transaction()
        for i in range(60):
            p.produce(topic, value=b"b%d-%d" % (batch, i), partition=i % 3)
        p.flush(30)
        if batch % 3 == 1:
            p.abort_transaction(30)
        else:
            p.commit_transaction(30)


@pytest.mark.parametrize("kind,fill", [("plain", fill_plain), ("compacted", fill_compacted),
                                       ("transactional", fill_transactional)])
def test_group_resumes_on_the_target_at_exactly_the_next_unread_record(
        dc1_dc2, strait, kind, fill):
    dc1, dc2 = dc1_dc2
    topic, group = unique(f"fo-{kind}"), unique(f"fo-group-{kind}")
    fill(dc1.bootstrap(), topic)
    source = consume_all(dc1.bootstrap(), topic)
    cuts = commit_part_of_each_partition(dc1.bootstrap(), topic, group)
    s = strait(clusters(dc1, dc2), [flow(topic, groups=[group], **GROUP_SYNC)])
    wait_caught_up(s, [topic])
    if kind == "compacted":
        # A cleaning the broker began before compaction was turned off can still drop a record
        # after the first read (once, a tick at offset 501 of partition 2): compare with the
        # source as strait copied it. A record strait skipped would still be in this read.
        source = consume_all(dc1.bootstrap(), topic)
    remote = f"dc1.{topic}"

    def synced():
        groups = s.flow("dc1->dc2")["groups"]
        if not groups or groups[0]["state"] != "synced":
            return None
        on_dc2 = committed(dc2.bootstrap(), group, remote, sorted(cuts))
        return all(o >= 0 for o in on_dc2.values()) and on_dc2
    on_dc2 = wait_for(synced, 60, "the group synced to dc2")
    assert s.stop() == 0  # the disaster: dc1 and strait are gone

    read = resume_as_group(dc2.bootstrap(), group, remote, len(unconsumed(source, cuts)))
    want = unconsumed(source, cuts)
    assert len(read) == len(set(read)), "records were read twice"
    assert set(read) == want, (f"re-read {len(set(read) - want)}, skipped {len(want - set(read))}")
    if kind == "plain":
        # Mirrored from the first offset without gaps: target offsets equal source offsets.
        assert on_dc2 == cuts


def test_groups_active_on_the_target_are_left_alone_and_never_moved_back(dc1_dc2, strait):
    dc1, dc2 = dc1_dc2
    topic, group = unique("fo-active"), unique("fo-active-group")
    fill_plain(dc1.bootstrap(), topic)
    remote = f"dc1.{topic}"
    c = Consumer({"bootstrap.servers": dc1.bootstrap(), "group.id": group, **QUIET})
    commit_offsets(c, [TopicPartition(topic, p, 100) for p in range(3)])
    s = strait(clusters(dc1, dc2), [flow(topic, groups=[group], **GROUP_SYNC)])
    wait_for(lambda: committed(dc2.bootstrap(), group, remote, [0, 1, 2]) == {0: 100, 1: 100, 2: 100},
             60, "the first sync")

    # A consumer of the group is running on dc2 and has moved on to 250.
    active = Consumer({"bootstrap.servers": dc2.bootstrap(), "group.id": group,
                       "enable.auto.commit": False, **QUIET})
    active.subscribe([remote])
    wait_for(lambda: active.poll(0.5) is not None and active.assignment(), 60, "an assignment")
    commit_offsets(active, [TopicPartition(remote, p, 250) for p in range(3)])
    commit_offsets(c, [TopicPartition(topic, p, 200) for p in range(3)])
    wait_for(lambda: any(g["state"] == "active-on-target" for g in s.flow("dc1->dc2")["groups"]),
             60, "the active group reported in /status")
    assert s.metric("strait_groups", flow="dc1->dc2", state="active-on-target") == 1
    assert committed(dc2.bootstrap(), group, remote, [0, 1, 2]) == {0: 250, 1: 250, 2: 250}
    active.close()

    # No members any more, but dc1's 200 is behind dc2's 250: never moved back.
    wait_for(lambda: any(g["state"] == "synced" for g in s.flow("dc1->dc2")["groups"]), 60,
             "the idle group synced again")
    assert committed(dc2.bootstrap(), group, remote, [0, 1, 2]) == {0: 250, 1: 250, 2: 250}
    commit_offsets(c, [TopicPartition(topic, p, 280) for p in range(3)])
    wait_for(lambda: committed(dc2.bootstrap(), group, remote, [0, 1, 2]) == {0: 280, 1: 280, 2: 280},
             60, "a forward move to be synced")
    c.close()


def test_mirrormaker2_client_reads_strait_checkpoints(dc1_dc2, strait):
    dc1, dc2 = dc1_dc2
    topic, group = unique("fo-mm2"), unique("fo-mm2-group")
    fill_compacted(dc1.bootstrap(), topic)
    cuts = commit_part_of_each_partition(dc1.bootstrap(), topic, group)
    s = strait(clusters(dc1, dc2), [flow(topic, groups=[group], **GROUP_SYNC)])
    remote = f"dc1.{topic}"
    expected = wait_for(lambda: (lambda o: o if all(v >= 0 for v in o.values()) else None)(
        committed(dc2.bootstrap(), group, remote, sorted(cuts))), 90, "the group synced")
    java = pathlib.Path(__file__).parent / "java" / "TranslateOffsets.java"
    r = subprocess.run(["java", "-cp", str(paths.KAFKA_LIB / "*"), str(java), dc2.bootstrap(),
                        "dc1", group], capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr[-3000:]
    got = {}
    for line in r.stdout.splitlines():
        t, p, o = line.split()
        got[(t, int(p))] = int(o)
    assert got == {(remote, p): o for p, o in expected.items()}

    # Heartbeats in MirrorMaker 2's format on the target.
    from strait_testbed.mm2_records import decode_heartbeat
    beats = [decode_heartbeat(r.key, r.value) for r in consume_all(dc2.bootstrap(), "heartbeats")]
    assert ("dc1", "dc2") in {(b[0], b[1]) for b in beats}
    assert max(b[2] for b in beats if b[:2] == ("dc1", "dc2")) > now_ms() - 60_000


def test_failover_then_failback_with_the_offsets_command(dc1_dc2, strait, strait_bin, tmp_path):
    dc1, dc2 = dc1_dc2
    topic, group = unique("fo-back"), unique("fo-back-group")
    fill_transactional(dc1.bootstrap(), topic)
    source = consume_all(dc1.bootstrap(), topic)
    cuts = commit_part_of_each_partition(dc1.bootstrap(), topic, group, fraction=0.3)
    s = strait(clusters(dc1, dc2), [flow(topic, groups=["nothing-synced"])])
    wait_caught_up(s, [topic])
    config = str(s.config_path)

    def offsets_cmd(*args):
        r = subprocess.run([str(strait_bin), "offsets", *args, "--config", config, "--group",
                            group, "--json"], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        return r

    # Failover: translate, apply, and the group reads exactly the rest on dc2.
    r = offsets_cmd("apply", "--from", "dc1", "--to", "dc2")
    rows = json.loads(r.stdout[: r.stdout.rindex("]") + 1])
    assert {row["partition"] for row in rows} == set(cuts)
    remote = f"dc1.{topic}"
    want = unconsumed(source, cuts)
    half = resume_as_group(dc2.bootstrap(), group, remote, len(want))
    assert set(half) == want and len(half) == len(want)

    # On dc2 the group reads a bit further and commits; then fails back to dc1.
    moved = {p: cuts[p] for p in cuts}
    dc2_records = consume_all(dc2.bootstrap(), remote)
    dc2_cuts = {}
    for p in sorted(cuts):
        mine = [r for r in dc2_records if r.partition == p]
        dc2_cuts[p] = mine[len(mine) * 2 // 3].offset
        moved[p] = provenance(mine[len(mine) * 2 // 3])[0]  # first unread, as a dc1 offset
    c = Consumer({"bootstrap.servers": dc2.bootstrap(), "group.id": group, **QUIET})
    commit_offsets(c, [TopicPartition(remote, p, o) for p, o in dc2_cuts.items()])
    c.close()
    r = offsets_cmd("translate", "--from", "dc2", "--to", "dc1")
    rows = json.loads(r.stdout)
    assert {(row["target_topic"], row["partition"]): row["target_offset"] for row in rows} == \
           {(topic, p): moved[p] for p in moved}
    offsets_cmd("apply", "--from", "dc2", "--to", "dc1")
    want_back = {(r.partition, r.offset) for r in source if r.offset >= moved[r.partition]}
    back = resume_as_group(dc1.bootstrap(), group, topic, len(want_back))
    assert len(back) == len(set(back)) and set(back) == want_back


def interleave(s, dc1, dc2, topic, flows, rounds=4):
    """dc1 writes 5 records and strait copies them, then dc2's own producers write 3, each
    round: dc2's topic alternates records mirrored from dc1 and dc2's own."""
    def caught_up():
        for f in flows:
            s.wait_caught_up(f, [topic])
    for r in range(rounds):
        produce(dc1.bootstrap(), topic,
                [Record(b"k", b"dc1-%d-%d" % (r, i), [], now_ms()) for i in range(5)])
        caught_up()
        produce(dc2.bootstrap(), topic,
                [Record(b"k", b"dc2-%d-%d" % (r, i), [], now_ms()) for i in range(3)])
        caught_up()


def commit_and_wait_synced(s, dc1, dc2, topic, group, cut):
    """The group read dc1's topic up to `cut` and went idle; waits until group sync has
    committed it on dc2, checks that MirrorMaker 2's checkpoint says the same, then stops
    strait (the disaster)."""
    c = Consumer({"bootstrap.servers": dc1.bootstrap(), "group.id": group, **QUIET})
    commit_offsets(c, [TopicPartition(topic, 0, cut)])
    c.close()
    wait_for(lambda: committed(dc2.bootstrap(), group, topic, [0])[0] >= 0
             and any(g["group"] == group and g["state"] == "synced"
                     for g in s.flow("dc1->dc2")["groups"]), 60, "the group synced to dc2")
    on_dc2 = committed(dc2.bootstrap(), group, topic, [0])[0]
    points = [decode_checkpoint(r.key, r.value)
              for r in consume_all(dc2.bootstrap(), "dc1.checkpoints.internal")]
    mine = [p[3:5] for p in points if p[:3] == (group, topic, 0)]
    assert mine and mine[-1] == (cut, on_dc2), f"checkpoints {mine}, committed {on_dc2}"
    assert s.stop() == 0


def assert_resumes_after_last_mirrored_read(dc2, topic, group, cut):
    """On dc2 the group reads every record after the last mirrored one it read on dc1 (dc2's
    own records among them: none skipped), and none of the mirrored records it read."""
    log = consume_all(dc2.bootstrap(), topic)
    mirrored = {provenance(r)[0]: r.offset for r in log if provenance(r)}  # dc1 -> dc2 offset
    last_read = mirrored[max(u for u in mirrored if u < cut)]
    after = {r.offset for r in log if r.offset > last_read}
    already = {o for u, o in mirrored.items() if u < cut}
    assert any(provenance(r) is None and r.offset in after for r in log)
    read = resume_as_group(dc2.bootstrap(), group, topic, len(after), own_offsets=True)
    got = {o for _, o in read}
    assert after <= got, f"skipped dc2 offsets {sorted(after - got)}"
    assert not got & already, f"mirrored records read again: dc2 offsets {sorted(got & already)}"
    assert len(read) == len(got), "records were read twice"


def test_identity_naming_resumes_before_the_targets_own_records(dc1_dc2, strait):
    dc1, dc2 = dc1_dc2
    topic, group = unique("fo-identity"), unique("fo-identity-group")
    for c in (dc1, dc2):
        create_topic(c.bootstrap(), topic, 1)
    s = strait(clusters(dc1, dc2), [flow(topic, naming="identity", groups=[group], **GROUP_SYNC)])
    interleave(s, dc1, dc2, topic, ["dc1->dc2"])
    # Read dc1's first two rounds: dc2 holds its own round-1 records right after them.
    commit_and_wait_synced(s, dc1, dc2, topic, group, cut=10)
    assert_resumes_after_last_mirrored_read(dc2, topic, group, cut=10)


def test_identity_both_ways_never_skips_the_targets_own_records(dc1_dc2, strait):
    dc1, dc2 = dc1_dc2
    topic, group = unique("fo-identity2"), unique("fo-identity2-group")
    for c in (dc1, dc2):
        create_topic(c.bootstrap(), topic, 1)
    s = strait(clusters(dc1, dc2), [
        flow(topic, naming="identity", groups=[group], **GROUP_SYNC),
        {"source": "dc2", "target": "dc1", "topics": [f"{topic}.*"], "naming": "identity",
         "groups": ["nothing-synced"]}])
    interleave(s, dc1, dc2, topic, ["dc1->dc2", "dc2->dc1"])
    # dc1 holds 0-4 its own, 5-7 copies of dc2's 5-7, 8-12 its own...: the group read dc1's
    # first five and the copy of dc2:5, not those of dc2:6 and dc2:7.
    log = consume_all(dc1.bootstrap(), topic)
    assert [provenance(r) is None for r in log[:8]] == [True] * 5 + [False] * 3
    commit_and_wait_synced(s, dc1, dc2, topic, group, cut=6)
    assert_resumes_after_last_mirrored_read(dc2, topic, group, cut=6)
