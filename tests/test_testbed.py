"""The test bed itself: clusters answer on both listeners, and every fault it offers does
what the other tests rely on."""

import time

import pytest
from confluent_kafka.admin import AdminClient

from strait_testbed.kafka import QUIET, Record, consume_all, create_topic, produce, unique
from strait_testbed import ClusterSpec


def metadata_ok(bootstrap: str, timeout: float = 3) -> bool:
    try:
        AdminClient({"bootstrap.servers": bootstrap, **QUIET}).list_topics(timeout=timeout)
        return True
    except Exception:  # noqa: BLE001 - any failure means unreachable
        return False


def metadata_seconds(bootstrap: str) -> float:
    admin = AdminClient({"bootstrap.servers": bootstrap, **QUIET})
    admin.list_topics(timeout=10)  # connect first
    start = time.monotonic()
    for _ in range(5):
        admin.list_topics(timeout=10)
    return (time.monotonic() - start) / 5


def test_local_and_wan_listeners_reach_the_same_data(dc1_dc2):
    dc1, _ = dc1_dc2
    topic = unique("tb-listeners")
    create_topic(dc1.bootstrap(), topic)
    produce(dc1.bootstrap(), topic, [Record(b"k", b"v%d" % i, [], 0) for i in range(10)])
    via_wan = consume_all(dc1.bootstrap(wan=True), topic)
    assert [r.value for r in via_wan] == [b"v%d" % i for i in range(10)]


def test_latency_applies_only_to_the_wan_listener(bed, dc1_dc2):
    dc1, _ = dc1_dc2
    bed.set_latency("dc1", 200)
    try:
        assert metadata_seconds(dc1.bootstrap(wan=True)) >= 0.19
        assert metadata_seconds(dc1.bootstrap()) < 0.1
    finally:
        bed.set_latency("dc1", 0)
    assert metadata_seconds(dc1.bootstrap(wan=True)) < 0.1


def test_cut_and_restore_the_wan_link(bed, dc1_dc2):
    _, dc2 = dc1_dc2
    bed.cut("dc2")
    try:
        assert not metadata_ok(dc2.bootstrap(wan=True))
        assert metadata_ok(dc2.bootstrap())
    finally:
        bed.restore("dc2")
    assert metadata_ok(dc2.bootstrap(wan=True))


def test_kill_and_start_a_broker_keeps_its_data(bed, dc1_dc2):
    _, dc2 = dc1_dc2
    topic = unique("tb-kill")
    create_topic(dc2.bootstrap(), topic)
    produce(dc2.bootstrap(), topic, [Record(None, b"x", [], 0)] * 5)
    bed.kill("dc2")
    assert not metadata_ok(dc2.bootstrap(), timeout=2)
    bed.start("dc2")
    assert len(consume_all(dc2.bootstrap(), topic)) == 5


def test_freeze_and_thaw(bed, dc1_dc2):
    dc1, _ = dc1_dc2
    bed.freeze("dc1")
    try:
        assert not metadata_ok(dc1.bootstrap(), timeout=2)
    finally:
        bed.thaw("dc1")
    bed.wait_ready("dc1", timeout=60)


@pytest.mark.slow
def test_rack_aware_cluster_with_separate_controllers(bed):
    spec = ClusterSpec("rk", brokers=3, controllers=1, racks=["a", "a", "b"],
                       controller_racks=["b"])
    bed.up(spec)
    try:
        rk = bed["rk"]
        md = AdminClient({"bootstrap.servers": rk.bootstrap(), **QUIET}).list_topics(timeout=10)
        assert sorted(md.brokers) == [1, 2, 3]
        topic = unique("tb-rf3")
        create_topic(rk.bootstrap(), topic, partitions=2, replication=3)
        md = AdminClient({"bootstrap.servers": rk.bootstrap(), **QUIET}).list_topics(topic, timeout=10)
        assert all(len(p.replicas) == 3 for p in md.topics[topic].partitions.values())
        bed.kill("rk", [3])
        bed.wait_ready("rk", brokers=[1, 2], timeout=60)
    finally:
        bed.remove("rk")
