"""A source that shrinks (issue 14, situation 4): an unclean leader election at the source
truncates a partition below what strait has mirrored, and the new leader receives records
of its own at the offsets the old one had used. Every record the source holds after the
truncation must reach the target, once each, in order; the copies of the records the source
lost stay on the target before them (guarantees.md, "A truncated source")."""

import signal

import pytest

from strait_testbed import ClusterSpec
from strait_testbed.e2e import flow
from strait_testbed.kafka import Record, admin, consume_all, create_topic, produce, unique, \
    wait_for
from strait_testbed.verify import provenance
from test_verify import partitions_of, verify_json

SOURCE = "shrink"


@pytest.fixture(scope="module")
def shrinking_source(bed, dc1_dc2):
    """A source of two brokers with a controller of its own, so that either broker can be
    down while the other leads; the controller looks for leaderless partitions it may elect
    uncleanly every second instead of every five minutes."""
    if SOURCE not in bed.clusters:
        bed.up(ClusterSpec(SOURCE, brokers=2, controllers=1,
                           overrides={"unclean.leader.election.interval.ms": "1000"}))
    yield bed[SOURCE], dc1_dc2[1]
    bed.remove(SOURCE)


def _leader(bootstrap, topic):
    md = admin(bootstrap).list_topics(topic, timeout=10)
    p = md.topics[topic].partitions.get(0)
    return p.leader if p is not None and p.error is None else -1


def _records(tag, n):
    return [Record(f"k{i}".encode(), f"{tag}-{i}".encode(), [("n", str(i).encode())], 0,
                   partition=0) for i in range(n)]


def _truncated_topic(bed, src, dc2, strait, prefix):
    """A topic of RF 2 that may elect leaders uncleanly, 100 records mirrored, then 50 more
    that only its leader has (its follower is down), mirrored too."""
    topic = unique(prefix)
    create_topic(src.bootstrap(), topic, 1, 2, config={
        "unclean.leader.election.enable": "true", "min.insync.replicas": "1"})
    produce(src.bootstrap(), topic, _records("first", 100))
    s = strait({"dc1": {"bootstrap.servers": src.bootstrap()},
                "dc2": {"bootstrap.servers": dc2.bootstrap()}}, [flow(topic)])
    s.wait_caught_up("dc1->dc2", [topic])
    leader = _leader(src.bootstrap(), topic)
    follower = next(n.node_id for n in src.brokers if n.node_id != leader)
    bed.kill(SOURCE, [follower])
    produce(src.bootstrap(), topic, _records("lost", 50))  # source offsets 100..149
    s.wait_caught_up("dc1->dc2", [topic])
    return topic, s, leader, follower


def _elect_uncleanly(bed, src, topic, leader, follower, new, frozen=None):
    """The leader dies; the out-of-sync follower, the only replica left, is elected and
    receives `new` at source offsets 100...; then the old leader comes back, truncates its
    log to 100 and follows. `frozen`: a strait stopped (SIGSTOP) meanwhile, so that the new
    leader holds its records before strait can look."""
    if frozen is not None:
        frozen.proc.send_signal(signal.SIGSTOP)
    try:
        bed.kill(SOURCE, [leader])
        bed.start(SOURCE, [follower])
        wait_for(lambda: _leader(src.bootstrap(), topic) == follower, 90,
                 "the old follower to be elected leader")
        produce(src.bootstrap(), topic, new)
    finally:
        if frozen is not None:
            frozen.proc.send_signal(signal.SIGCONT)
    bed.start(SOURCE, [leader])
    source = consume_all(src.bootstrap(), topic)
    assert [r.value for r in source] == [r.value for r in _records("first", 100) + new]


def test_records_written_after_an_unclean_leader_election_are_all_mirrored(
        bed, shrinking_source, strait, strait_bin):
    src, dc2 = shrinking_source
    topic, s, leader, follower = _truncated_topic(bed, src, dc2, strait, "shrink")
    remote = f"dc1.{topic}"
    new = _records("new", 20)
    _elect_uncleanly(bed, src, topic, leader, follower, new, frozen=s)

    want = [r.value for r in _records("first", 100) + _records("lost", 50) + new]
    wait_for(lambda: len(consume_all(dc2.bootstrap(), remote)) >= len(want), 120,
             "the new leader's records on the target")
    got = consume_all(dc2.bootstrap(), remote)
    # The lost records stay; every record the new leader wrote follows, once, in order.
    assert [r.value for r in got] == want, [r.value for r in got[95:]]
    assert [provenance(r)[0] for r in got[150:]] == list(range(100, 120))

    p = s.partition("dc1->dc2", topic, 0)
    assert p["source_truncation"] == {"mirrored_up_to": 150, "truncated_at": 100,
                                      "restarted_at": 100, "detected_by": "leader_epoch"}, p
    assert p["next_source_offset"] == 120, p
    assert s.metric("strait_source_truncations_total", flow="dc1->dc2") == 1
    assert "mirroring restarts where it now differs from what was read" in s.log_text()

    # verify reads the source once, forward: it cannot tell the new leader's records from
    # second copies, and says so (operations.md documents these counts).
    code, report = verify_json(strait_bin, s.config_path, "--topics", topic)
    assert code != 0
    v = partitions_of(report)[0]
    counts = v["counts"]
    assert (counts["matched"], counts["different"], counts["not_in_source"],
            counts["duplicated"], counts["missing"]) == (120, 20, 30, 20, 0), v
    assert "upstream offsets go down at target offset 150 (source offset 100 after 149)" \
        in v["note"], v


def test_a_source_truncated_while_strait_was_stopped_is_reported_on_resume(
        bed, shrinking_source, strait):
    """No leader epoch to check on resume: strait's position (150) past the source's new
    end (110) is all it can see. It continues at that end, and says so: the records the new
    leader wrote at 100..109 before strait looked are not mirrored (guarantees.md)."""
    src, dc2 = shrinking_source
    topic, s, leader, follower = _truncated_topic(bed, src, dc2, strait, "shrink-down")
    assert s.stop() == 0
    _elect_uncleanly(bed, src, topic, leader, follower, _records("new", 10))
    s.start()
    wait_for(lambda: (s.partition("dc1->dc2", topic, 0) or {}).get("source_truncation"), 90,
             "the truncation on /status")
    p = s.partition("dc1->dc2", topic, 0)
    assert p["source_truncation"] == {"mirrored_up_to": 150, "truncated_at": None,
                                      "restarted_at": 110, "detected_by": "source_end"}, p
    later = _records("later", 5)
    produce(src.bootstrap(), topic, later)  # source offsets 110..114
    s.wait_caught_up("dc1->dc2", [topic])
    got = consume_all(dc2.bootstrap(), f"dc1.{topic}")
    assert [r.value for r in got] == \
        [r.value for r in _records("first", 100) + _records("lost", 50) + later]
    assert s.metric("strait_source_truncations_total", flow="dc1->dc2") == 1
    assert "below what was read: mirroring continues from its end" in s.log_text()
