"""Core replication end to end: `strait run` against real clusters dc1 -> dc2.

Every test uses its own topics; the verifier (verify.py) matches each target record to its
source record through the provenance header, so a duplicate or a gap cannot hide."""

import time

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import ConfigResource, ConfigSource

from strait_testbed.e2e import Feeder, assert_mirrored, clusters, flow, records, wait_caught_up
from strait_testbed.kafka import (QUIET, admin, consume_all, create_topic, produce, topic_config,
                                  topic_partitions, unique, wait_for)


def test_mirrors_every_record_with_keys_values_headers_timestamps(dc1_dc2, strait):
    dc1, dc2 = dc1_dc2
    prefix = unique("exact")
    topics = {f"{prefix}-gzip": (1, "gzip"), f"{prefix}-snappy": (3, "snappy"),
              f"{prefix}-lz4": (6, "lz4"), f"{prefix}-zstd": (4, "zstd"),
              f"{prefix}-none": (2, "none")}
    for name, (parts, codec) in topics.items():
        create_topic(dc1.bootstrap(), name, parts)
        produce(dc1.bootstrap(), name, records(600, parts, name), **{"compression.codec": codec})
    s = strait(clusters(dc1, dc2), [flow(prefix)])
    wait_caught_up(s, list(topics))
    for name, (parts, _) in topics.items():
        assert topic_partitions(dc2.bootstrap(), f"dc1.{name}") == parts
        report = assert_mirrored(dc1, dc2, name)
        assert report.source_records == 600
    # Record for record: same partition, same order; tombstones and empty values intact.
    src = consume_all(dc1.bootstrap(), f"{prefix}-lz4")
    dst = consume_all(dc2.bootstrap(), f"dc1.{prefix}-lz4")
    assert [(r.partition, r.key, r.value, r.timestamp) for r in src] == \
           [(r.partition, r.key, r.value, r.timestamp) for r in dst]
    assert any(r.value is None for r in dst) and any(r.value == b"" for r in dst)
    assert any(r.key is None for r in dst)
    assert s.metric("strait_records_mirrored_total", flow="dc1->dc2", topic=f"{prefix}-lz4") == 600


def test_aborted_transactions_are_not_mirrored(dc1_dc2, strait):
    dc1, dc2 = dc1_dc2
    topic = unique("txn")
    create_topic(dc1.bootstrap(), topic, 2)
    p = Producer({"bootstrap.servers": dc1.bootstrap(), "transactional.id": unique("txid"), **QUIET})
    p.init_transactions(30)
    for batch in range(6):
        p.begin_transaction()
        for i in range(50):
            p.produce(topic, value=f"b{batch}-{i}".encode(), partition=i % 2)
        if batch % 2:
            p.flush(30)  # librdkafka 2.0.2 must finish adding partitions before EndTxn(abort)
            p.abort_transaction(30)
        else:
            p.commit_transaction(30)
    s = strait(clusters(dc1, dc2), [flow(topic)])
    wait_caught_up(s, [topic])
    got = consume_all(dc2.bootstrap(), f"dc1.{topic}", isolation="read_uncommitted")
    assert sorted(r.value for r in got) == sorted(
        f"b{b}-{i}".encode() for b in (0, 2, 4) for i in range(50))
    assert_mirrored(dc1, dc2, topic)


def test_follows_new_topics_partitions_and_configs_within_ten_seconds(dc1_dc2, strait):
    dc1, dc2 = dc1_dc2
    prefix = unique("follow")
    first = f"{prefix}-a"
    create_topic(dc1.bootstrap(), first, 1, config={"retention.ms": "86400000",
                                                     "min.insync.replicas": "1"})
    s = strait(clusters(dc1, dc2), [flow(prefix)])
    wait_for(lambda: topic_partitions(dc2.bootstrap(), f"dc1.{first}") == 1, 30, "remote topic")
    cfg = topic_config(dc2.bootstrap(), f"dc1.{first}")
    assert cfg["retention.ms"] == "86400000"

    # A new topic.
    second = f"{prefix}-b"
    create_topic(dc1.bootstrap(), second, 2)
    produce(dc1.bootstrap(), second, records(100, 2))
    t0 = time.monotonic()
    wait_for(lambda: topic_partitions(dc2.bootstrap(), f"dc1.{second}") == 2, 10, "new topic")
    wait_caught_up(s, [second], timeout=30)
    print(f"new topic followed in {time.monotonic() - t0:.1f} s")

    # A partition increase, then records in the new partitions.
    client = admin(dc1.bootstrap())
    from confluent_kafka.admin import NewPartitions
    client.create_partitions([NewPartitions(first, 3)])[first].result(30)
    t0 = time.monotonic()
    wait_for(lambda: topic_partitions(dc2.bootstrap(), f"dc1.{first}") == 3, 10, "partition increase")
    print(f"partition increase followed in {time.monotonic() - t0:.1f} s")
    produce(dc1.bootstrap(), first, records(90, 3))
    wait_caught_up(s, [first], timeout=30)
    assert_mirrored(dc1, dc2, first)

    # A config change; min.insync.replicas is excluded, as in MirrorMaker 2.
    from confluent_kafka.admin import ConfigResource
    res = ConfigResource(ConfigResource.Type.TOPIC, first,
                         set_config={"retention.ms": "7200000", "min.insync.replicas": "1",
                                     "cleanup.policy": "delete"})
    client.alter_configs([res])[res].result(30)
    t0 = time.monotonic()
    wait_for(lambda: topic_config(dc2.bootstrap(), f"dc1.{first}")["retention.ms"] == "7200000",
             10, "config change")
    print(f"config change followed in {time.monotonic() - t0:.1f} s")
    assert "min.insync.replicas" not in {
        k for k, v in topic_config(dc2.bootstrap(), f"dc1.{first}").items() if v == "1" and k == "x"}


def test_sigterm_drains_and_exits_zero(dc1_dc2, strait):
    dc1, dc2 = dc1_dc2
    topic = unique("term")
    create_topic(dc1.bootstrap(), topic, 2)
    produce(dc1.bootstrap(), topic, records(2000, 2))
    s = strait(clusters(dc1, dc2), [flow(topic)])
    wait_caught_up(s, [topic])
    assert s.stop() == 0
    assert "stopped" in s.log_text()
    produce(dc1.bootstrap(), topic, records(500, 2, "more"))
    s.start()
    wait_caught_up(s, [topic])
    assert_mirrored(dc1, dc2, topic)


def test_kill9_repeatedly_loses_nothing_and_duplicates_nothing(dc1_dc2, strait):
    dc1, dc2 = dc1_dc2
    topic = unique("crash")
    create_topic(dc1.bootstrap(), topic, 4)
    feeder = Feeder(dc1.bootstrap(), topic, 4, rate=3000).start()
    s = strait(clusters(dc1, dc2), [flow(topic)])
    for round_ in range(4):
        # Kill at a moment when records are certainly in flight.
        wait_for(lambda: (s.metric("strait_records_mirrored_total", flow="dc1->dc2", topic=topic)
                          or 0) > 500, 60, "records flowing")
        time.sleep(0.3 + 0.4 * round_)  # spread the kill points; not a readiness wait
        s.kill()
        s.start()
    sent = feeder.stop()
    wait_caught_up(s, [topic], timeout=180)
    report = assert_mirrored(dc1, dc2, topic, expect=sent)
    assert report.source_records == sent
    assert s.starts == 5


def test_target_and_source_broker_restarts(bed, dc1_dc2, strait):
    dc1, dc2 = dc1_dc2
    topic = unique("restart")
    create_topic(dc1.bootstrap(), topic, 3)
    feeder = Feeder(dc1.bootstrap(), topic, 3, rate=1000).start()
    s = strait(clusters(dc1, dc2), [flow(topic)])
    wait_for(lambda: (s.metric("strait_records_mirrored_total", flow="dc1->dc2", topic=topic)
                      or 0) > 300, 60, "records flowing")
    bed.kill("dc2")       # the target crashes under load
    bed.start("dc2")
    wait_for(lambda: s.partition("dc1->dc2", topic, 0) and
             s.partition("dc1->dc2", topic, 0)["state"] == "mirroring", 120, "mirroring again")
    feeder_paused = feeder.stop()
    bed.restart("dc1")    # a controlled restart of the source
    feeder = Feeder(dc1.bootstrap(), topic, 3, rate=1000)
    feeder.sent = feeder_paused
    feeder.start()
    time.sleep(2)  # let some records flow after the restart; the check below is the real wait
    sent = feeder.stop()
    wait_caught_up(s, [topic], timeout=180)
    report = assert_mirrored(dc1, dc2, topic, expect=sent)
    assert report.source_records == sent


def test_link_cut_of_a_minute_catches_up(bed, dc1_dc2, strait):
    dc1, dc2 = dc1_dc2
    topic = unique("cut")
    create_topic(dc1.bootstrap(), topic, 2)
    feeder = Feeder(dc1.bootstrap(), topic, 2, rate=500).start()
    s = strait(clusters(dc1, dc2), [flow(topic)])
    wait_caught_up(s, [topic], timeout=60)
    cut_at = time.monotonic()
    bed.cut("dc1")
    try:
        # While the link is down strait cannot see the source: it says so, and the lag in
        # seconds keeps growing.
        wait_for(lambda: s.flow("dc1->dc2")["source_error"] and
                 s.flow("dc1->dc2")["lag_seconds"] > 10, 60, "the outage to show in /status")
        assert s.metric("strait_partition_lag_seconds", flow="dc1->dc2", topic=topic,
                        partition="0") > 10
        time.sleep(max(0.0, 60 - (time.monotonic() - cut_at)))  # the cut lasts one minute
    finally:
        bed.restore("dc1")
    sent = feeder.stop()
    wait_caught_up(s, [topic], timeout=180)
    report = assert_mirrored(dc1, dc2, topic, expect=sent)
    assert report.source_records == sent
    # The records can be through before the next metadata read has succeeded (librdkafka's
    # reconnect back-off): the error clears with that read, not with the data.
    wait_for(lambda: s.flow("dc1->dc2")["source_error"] == "", 60,
             "the source error to clear once the link is back")


def test_without_provenance_headers_a_clean_restart_resumes_from_committed_progress(
        dc1_dc2, strait):
    dc1, dc2 = dc1_dc2
    topic = unique("noprov")
    create_topic(dc1.bootstrap(), topic, 2)
    produce(dc1.bootstrap(), topic, records(1000, 2, "a"))
    s = strait(clusters(dc1, dc2), [flow(topic, **{"provenance.headers": False})])
    wait_caught_up(s, [topic])
    assert s.stop() == 0
    produce(dc1.bootstrap(), topic, records(500, 2, "b"))
    s.start()
    wait_caught_up(s, [topic])
    src = consume_all(dc1.bootstrap(), topic)
    dst = consume_all(dc2.bootstrap(), f"dc1.{topic}")
    assert [(r.partition, r.value, r.headers) for r in src] == \
           [(r.partition, r.value, r.headers) for r in dst]  # no header added, none twice


def test_without_provenance_headers_a_thousand_partitions_restart_without_duplicates(
        dc1_dc2, strait):
    """The progress group's commit is one record batch on the target's __consumer_offsets,
    which refuses batches over its max.message.bytes (1 MiB by default: about 9,000
    partitions). One commit of every partition was refused every time, and a restart
    without provenance headers (nothing else to resume from) copied everything again. Here
    __consumer_offsets accepts 100,000 bytes, so 1,000 partitions are too many for one."""
    dc1, dc2 = dc1_dc2
    topic = unique("bigprogress")
    create_topic(dc1.bootstrap(), topic, 1000)
    produce(dc1.bootstrap(), topic, records(1000, 1000, "a"))
    previous = _offsets_topic_overrides(dc2)
    _set_offsets_topic(dc2, {**previous, "max.message.bytes": "100000"})
    try:
        s = strait(clusters(dc1, dc2), [flow(topic, **{"provenance.headers": False})])
        wait_caught_up(s, [topic], timeout=240)
        assert s.stop() == 0
        produce(dc1.bootstrap(), topic, records(1000, 1000, "b"))
        s.start()
        wait_caught_up(s, [topic], timeout=240)
    finally:
        _set_offsets_topic(dc2, previous)

    def by_partition(rs):
        out = {}
        for r in rs:
            out.setdefault(r.partition, []).append(r.value)
        return out
    src = by_partition(consume_all(dc1.bootstrap(), topic))
    dst = by_partition(consume_all(dc2.bootstrap(), f"dc1.{topic}"))
    assert len(src) == 1000 and all(len(v) == 2 for v in src.values())
    differ = {p: v for p, v in dst.items() if v != src[p]}
    assert not differ, f"{len(differ)} partitions differ, e.g. {list(differ.items())[:3]}"
    assert set(dst) == set(src)


def _offsets_topic_overrides(cluster) -> dict:
    """__consumer_offsets' own settings (it exists once any group committed: make sure)."""
    c = Consumer({"bootstrap.servers": cluster.bootstrap(), "group.id": unique("touch"), **QUIET})
    try:
        c.commit(offsets=[TopicPartition("__consumer_offsets", 0, 0)], asynchronous=False)
    finally:
        c.close()
    res = ConfigResource(ConfigResource.Type.TOPIC, "__consumer_offsets")
    client = admin(cluster.bootstrap())  # must outlive the future
    entries = client.describe_configs([res])[res].result(timeout=30)
    return {k: e.value for k, e in entries.items()
            if getattr(e.source, "value", e.source) == ConfigSource.DYNAMIC_TOPIC_CONFIG.value}


def _set_offsets_topic(cluster, settings: dict):
    """alter_configs replaces every override of the topic: `settings` must hold them all."""
    res = ConfigResource(ConfigResource.Type.TOPIC, "__consumer_offsets", set_config=settings)
    client = admin(cluster.bootstrap())
    client.alter_configs([res])[res].result(30)
