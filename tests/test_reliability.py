"""The paths to a skipped or doubled record that the ordinary faults do not try (issue 14):
each test sets up the situation on real brokers and checks what the target holds."""

import struct
import time

from strait_testbed.e2e import clusters, flow
from strait_testbed.kafka import QUIET, Cluster, Record, admin, consume_all, create_topic, \
    delete_group_offsets, delete_records, produce, unique, wait_for
from strait_testbed.verify import PROVENANCE


def _values(n, tag, partitions):
    now = int(time.time() * 1000)
    return [Record(f"k{i}".encode(), f"{tag}-{i}".encode(), [("n", str(i).encode())], now + i,
                   partition=i % partitions) for i in range(n)]


def _source_topic(record):
    """The source topic's fingerprint from a version-2 provenance header, or None."""
    for k, v in record.headers:
        if k == PROVENANCE and v is not None and v[0] == 2:
            return struct.unpack(">Q", v[-8:])[0]
    return None


def _recreate(dc1, topic, partitions, records):
    """Deletes the source topic, creates it again with the same name and writes `records`."""
    c = Cluster(dc1.bootstrap())
    try:
        c.delete_topics([topic])
        c.create_topics({topic: partitions})
    finally:
        c.close()
    produce(dc1.bootstrap(), topic, records)


def _mirror_old_topic(dc1, dc2, strait, prefix, records, **settings):
    """A 2-partition source topic with `records` records, mirrored by a running strait."""
    topic = unique(prefix)
    create_topic(dc1.bootstrap(), topic, 2)
    old = _values(records, "old", 2)
    produce(dc1.bootstrap(), topic, old)
    s = strait(clusters(dc1, dc2), [flow(topic, **settings)])
    s.wait_caught_up("dc1->dc2", [topic])
    return topic, s, old


def _check_old_then_new(dc2, remote, old, new, window_allowed=False):
    """Each remote partition holds the old topic's records, then every record of the new
    topic from its first offset, once each and in order, carrying the new topic's id; and
    nothing more arrives. With `window_allowed`, records the new topic holds at the old
    positions may come between, labelled with the old topic's id (guarantees.md)."""
    held = {}
    for p in range(2):
        want_old = [r.value for r in old if r.partition == p]
        want_new = [r.value for r in new if r.partition == p]
        wait_for(lambda: [r.value for r in consume_all(dc2.bootstrap(), remote, partitions=[p])]
                 [-len(want_new):] == want_new, 120, f"the new topic's records on {remote}[{p}]")
        got = consume_all(dc2.bootstrap(), remote, partitions=[p])
        assert [r.value for r in got[:len(want_old)]] == want_old, f"{p}: the old records changed"
        window, tail = got[len(want_old):-len(want_new)], got[-len(want_new):]
        if window_allowed:
            assert [r.value for r in window] == want_new[len(want_old):len(want_old) + len(window)]
            assert {_source_topic(r) for r in window} <= {_source_topic(got[0])}
        else:
            assert not window, f"{p}: unexpected records {[r.value for r in window]}"
        assert {_source_topic(r) for r in tail} == {_source_topic(tail[0])}
        assert _source_topic(tail[0]) not in (None, _source_topic(got[0])), "same topic id"
        held[p] = len(got)
    # A late second copy would come within a resume: wait one out, then count again.
    time.sleep(5)
    for p in range(2):
        assert len(consume_all(dc2.bootstrap(), remote, partitions=[p])) == held[p]


def test_source_topic_deleted_and_recreated_with_fewer_records(dc1_dc2, strait):
    dc1, dc2 = dc1_dc2
    topic, s, old = _mirror_old_topic(dc1, dc2, strait, "recreate-fewer", 60)
    # Slowly: strait sees the topic gone before it comes back.
    c = Cluster(dc1.bootstrap())
    c.delete_topics([topic])
    c.close()
    wait_for(lambda: "source topic is gone" in s.log_text(), 60, "strait to see the topic gone")
    new = _values(10, "new", 2)
    _recreate(dc1, topic, 2, new)
    _check_old_then_new(dc2, f"dc1.{topic}", old, new)
    assert "source topic was deleted and created again" in s.log_text()


def test_source_topic_recreated_within_one_refresh_interval_with_more_records(dc1_dc2, strait):
    dc1, dc2 = dc1_dc2
    topic, s, old = _mirror_old_topic(dc1, dc2, strait, "recreate-more", 20,
                                      **{"refresh.interval.ms": 20000})
    new = _values(70, "new", 2)
    _recreate(dc1, topic, 2, new)
    # librdkafka 2.15.1 reads the new topic at the old positions until strait sees the new
    # id (within refresh.interval.ms): those records come twice, the first time as the old
    # topic's.
    _check_old_then_new(dc2, f"dc1.{topic}", old, new, window_allowed=True)
    assert "source topic was deleted and created again (its topic id changed)" in s.log_text()


def test_source_topic_recreated_while_strait_is_down(dc1_dc2, strait):
    dc1, dc2 = dc1_dc2
    topic, s, old = _mirror_old_topic(dc1, dc2, strait, "recreate-down", 40)
    assert s.stop() == 0
    new = _values(60, "new", 2)
    _recreate(dc1, topic, 2, new)
    s.start()
    _check_old_then_new(dc2, f"dc1.{topic}", old, new)
    assert "source topic was deleted and created again" in s.log_text()


def test_a_record_the_target_refuses_stops_its_partition_at_that_record(dc1_dc2, strait):
    """A record without a key, for a remote topic that is compacted (its cleanup.policy not
    synced): the broker refuses its whole batch, and librdkafka's idempotent producer would
    write the batches after it. The partition stops at that record instead, says why, and
    nothing after it is written; once the operator fixes the topic, it continues there."""
    dc1, dc2 = dc1_dc2
    topic = unique("refused")
    create_topic(dc1.bootstrap(), topic, 2)
    now = int(time.time() * 1000)
    batch = [Record(f"k{i}".encode(), f"v{i}".encode(), [], now + i, partition=0)
             for i in range(10)]
    batch.append(Record(None, b"no key", [], now + 10, partition=0))
    batch += [Record(f"k{i}".encode(), f"v{i}".encode(), [], now + i, partition=0)
              for i in range(11, 30)]
    batch += [Record(f"k{i}".encode(), f"v{i}".encode(), [], now + i, partition=1)
              for i in range(20)]
    produce(dc1.bootstrap(), topic, batch)
    create_topic(dc2.bootstrap(), f"dc1.{topic}", 2, config={"cleanup.policy": "compact"})
    s = strait(clusters(dc1, dc2), [flow(topic, **{
        "config.properties.exclude": ["cleanup\\.policy"],
        "partition.retry.backoff.ms": 2000})])
    wait_for(lambda: (s.partition("dc1->dc2", topic, 0) or {}).get("state") == "stopped", 60,
             "partition 0 to stop")
    p0 = s.partition("dc1->dc2", topic, 0)
    assert "offset 10" in p0["error"] and "no key" in p0["error"], p0["error"]
    assert s.metric("strait_partition_stopped", flow="dc1->dc2", topic=topic, partition="0",
                    reason="invalid_argument") == 1
    wait_for(lambda: (s.partition("dc1->dc2", topic, 1) or {}).get("lag_records") == 0, 60,
             "partition 1 to be mirrored")
    # Retried after its backoff, it stops at the same record again; nothing after it is written.
    wait_for(lambda: s.log_text().count("has no key") >= 2, 60, "a retry")
    got = consume_all(dc2.bootstrap(), f"dc1.{topic}", partitions=[0])
    assert [r.value for r in got] == [f"v{i}".encode() for i in range(10)]

    # The operator makes the remote topic accept it: the partition continues at that record.
    from confluent_kafka.admin import ConfigResource
    client = admin(dc2.bootstrap())
    res = ConfigResource(ConfigResource.Type.TOPIC, f"dc1.{topic}",
                         set_config={"cleanup.policy": "delete"})
    client.alter_configs([res])[res].result(30)
    s.wait_caught_up("dc1->dc2", [topic], timeout=120)
    got = consume_all(dc2.bootstrap(), f"dc1.{topic}", partitions=[0])
    assert [r.value for r in got] == [r.value for r in batch if r.partition == 0]


def test_lag_that_cannot_be_read_is_unknown_and_the_partition_stalled(bed, dc1_dc2, strait):
    """The link to the source is cut while the source keeps receiving records: the lag
    cannot be read, so /status, `strait status` and /metrics say it is unknown (not the last
    value, not 0), and the partition shows as stalled with the reason; both clear once the
    source answers again."""
    dc1, dc2 = dc1_dc2
    topic = unique("unknown-lag")
    create_topic(dc1.bootstrap(), topic, 1)
    produce(dc1.bootstrap(), topic, _values(20, "before", 1))
    s = strait(clusters(dc1, dc2), [flow(topic)])
    s.wait_caught_up("dc1->dc2", [topic])
    bed.cut("dc1")
    try:
        produce(dc1.bootstrap(), topic, _values(30, "during", 1))
        wait_for(lambda: s.partition("dc1->dc2", topic, 0)["lag_records"] is None, 90,
                 "the lag to be unknown")
        assert s.metric("strait_partition_lag_unknown", flow="dc1->dc2", topic=topic,
                        partition="0") == 1
        assert s.metric("strait_partition_lag_records", flow="dc1->dc2", topic=topic,
                        partition="0") is None
        # The flow's heartbeats partition is behind the cut too.
        f = s.flow("dc1->dc2")
        assert f["lag_unknown_partitions"] == \
            sum(1 for p in f["partitions"] if p["lag_records"] is None) >= 1
        wait_for(lambda: s.partition("dc1->dc2", topic, 0)["state"] == "stalled", 90,
                 "the partition to show as stalled")
        assert "has not answered" in s.partition("dc1->dc2", topic, 0)["stalled"]
        assert s.metric("strait_partition_stalled", flow="dc1->dc2", topic=topic,
                        partition="0", reason="lag_unknown") == 1
        out = s.cli("status")
        assert out.returncode != 0 and "partitions stalled; lag unknown for" in out.stdout, \
            out.stdout + out.stderr
    finally:
        bed.restore("dc1")
    s.wait_caught_up("dc1->dc2", [topic], timeout=180)
    wait_for(lambda: s.partition("dc1->dc2", topic, 0)["lag_records"] == 0, 60,
             "the lag to be known again")
    assert s.partition("dc1->dc2", topic, 0)["stalled"] == ""
    assert s.metric("strait_partition_lag_unknown", flow="dc1->dc2", topic=topic,
                    partition="0") == 0


def test_identity_resume_past_a_local_transaction_marker(dc1_dc2, strait):
    """Identity naming: the target topic has writers of its own. A local transactional
    producer commits after strait's last record, so the partition's last offset is a
    transaction marker, which no consumer sees. Resume still finds strait's last record
    (neither mirroring the partition again from start.offset nor skipping)."""
    from confluent_kafka import Producer
    dc1, dc2 = dc1_dc2
    topic = unique("marker")
    create_topic(dc1.bootstrap(), topic, 1)
    create_topic(dc2.bootstrap(), topic, 1)
    produce(dc1.bootstrap(), topic, _values(20, "first", 1))
    s = strait(clusters(dc1, dc2), [flow(topic, naming="identity")])
    s.wait_caught_up("dc1->dc2", [topic])
    assert s.stop() == 0
    local = Producer({"bootstrap.servers": dc2.bootstrap(), "transactional.id": unique("local"),
                      **QUIET})
    local.init_transactions(30)
    local.begin_transaction()
    local.produce(topic, value=b"local", partition=0)
    local.commit_transaction(30)
    produce(dc1.bootstrap(), topic, _values(10, "second", 1))
    s.start()
    s.wait_caught_up("dc1->dc2", [topic])
    got = consume_all(dc2.bootstrap(), topic)
    mirrored = [r.value for r in got if r.value != b"local"]
    assert mirrored == [f"first-{i}".encode() for i in range(20)] + \
        [f"second-{i}".encode() for i in range(10)], mirrored
    assert [r.value for r in got].count(b"local") == 1


def _mirror_then_lose_it_on_the_target(dc1, dc2, strait, prefix):
    """Identity naming: 30 source records are mirrored, strait stops, every record of the
    target partition is deleted (what retention does: its log then starts at its end, and
    none of strait's records is left to say where it stopped), and 20 more source records
    arrive."""
    topic = unique(prefix)
    create_topic(dc1.bootstrap(), topic, 1)
    create_topic(dc2.bootstrap(), topic, 1)
    produce(dc1.bootstrap(), topic, _values(30, "old", 1))
    s = strait(clusters(dc1, dc2), [flow(topic, naming="identity",
                                         **{"partition.retry.backoff.ms": 2000})])
    s.wait_caught_up("dc1->dc2", [topic])
    assert s.stop() == 0
    delete_records(dc2.bootstrap(), topic, [0])
    assert consume_all(dc2.bootstrap(), topic) == []
    produce(dc1.bootstrap(), topic, _values(20, "new", 1))
    return topic, s


def test_identity_resume_after_target_retention_deleted_every_mirrored_record(dc1_dc2, strait):
    """The flow's progress group (kept beside the provenance headers) says where it stopped:
    the new records are mirrored once each, none of the old ones again."""
    dc1, dc2 = dc1_dc2
    topic, s = _mirror_then_lose_it_on_the_target(dc1, dc2, strait, "retained")
    s.start()
    s.wait_caught_up("dc1->dc2", [topic])
    got = [r.value for r in consume_all(dc2.bootstrap(), topic)]
    assert got == [f"new-{i}".encode() for i in range(20)], got
    assert 'offset=30 from="progress group"' in s.log_text()


def test_identity_resume_stops_the_partition_when_nothing_says_where_it_stopped(
        dc1_dc2, strait):
    """Neither the target log nor the progress group knows where the flow stopped (the
    group's position is gone too): the partition stops with an error that says what to do,
    and mirrors nothing rather than guess. Once the operator sets the position with
    `strait progress set`, it continues there."""
    dc1, dc2 = dc1_dc2
    topic, s = _mirror_then_lose_it_on_the_target(dc1, dc2, strait, "unknown-position")
    delete_group_offsets(dc2.bootstrap(), "strait-progress.dc1-dc2", topic)
    s.start()
    wait_for(lambda: (s.partition("dc1->dc2", topic, 0) or {}).get("state") == "stopped", 90,
             "the partition to stop")
    error = s.partition("dc1->dc2", topic, 0)["error"]
    assert "none copied by this flow are left" in error and "strait progress set" in error, error
    assert s.metric("strait_partition_stopped", flow="dc1->dc2", topic=topic, partition="0",
                    reason="data_loss") == 1
    assert "partition not started: where it stopped is not known" in s.log_text()
    # Retried after its backoff, it stays stopped and copies nothing.
    wait_for(lambda: s.log_text().count("where it stopped is not known") >= 2, 60, "a retry")
    assert consume_all(dc2.bootstrap(), topic) == []

    out = s.cli("progress", "set", "--flow", "dc1->dc2", "--topic", topic, "--partition", "0",
                "--offset", "30")
    assert out.returncode == 0, out.stdout + out.stderr
    s.wait_caught_up("dc1->dc2", [topic], timeout=120)
    got = [r.value for r in consume_all(dc2.bootstrap(), topic)]
    assert got == [f"new-{i}".encode() for i in range(20)], got
