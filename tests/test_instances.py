"""Several `strait run` processes sharing one flow (config `group`): each partition is
mirrored by one instance at a time, a crashed or stopped instance's partitions resume on the
others, and across all of it every source record is on the target once, in order."""

import signal
import threading
import time

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from strait_testbed import ClusterSpec
from strait_testbed.arrivals import ArrivalMeter
from strait_testbed.e2e import Feeder, assert_mirrored, clusters, flow
from strait_testbed.instances import FLOW, busiest_first, owned, positions, shared_by_all, split
from strait_testbed.kafka import QUIET, Record, admin, consume_all, create_topic, end_offsets, \
    produce, topic_names, unique, wait_for

# The broker's smallest session timeout: a killed instance's partitions move after it.
GROUP = {"enabled": True, "session.timeout.ms": 6000}


def start_instance(strait, dc1, dc2, topic, instance_id, **flow_extra):
    s = strait(clusters(dc1, dc2), [flow(topic, **flow_extra)], start=False)
    # A group of the test's own: instances a previous test killed stay members for a
    # session timeout.
    s.write_config(group={**GROUP, "instance.id": instance_id, "prefix": f"{topic}."})
    return s.start()


def under_load(dc1, prefix, topic=None):
    """A new 6-partition topic and a feeder writing 1,500 records/s to it."""
    topic = topic or unique(prefix)
    create_topic(dc1.bootstrap(), topic, 6)
    return topic, Feeder(dc1.bootstrap(), topic, 6, rate=1500).start()


def mirrored_up_to(instances, topic):
    """The next source offsets of the partitions the running instances mirror, summed: the
    number of records copied, since the source topic has nothing but records."""
    total = 0
    for s in instances:
        if s.proc.poll() is not None:
            continue
        mine = owned(s, topic)
        total += sum(n for p, n in positions(s, topic).items() if p in (mine or ()))
    return total


def producer_resets(s) -> float:
    return s.metric("strait_producer_resets_total", flow=FLOW) or 0


def wait_arriving(arrivals, since, timeout, what, instances, topic):
    """Waits until every partition had an arrival after since(); a timeout names the silent
    partitions and what each running instance's /status says about them."""
    try:
        wait_for(lambda: arrivals.all_since(since()), timeout, what)
    except AssertionError as e:
        silent = arrivals.silent_since(since())
        said = {}
        for s in instances:
            if s.proc.poll() is None:
                said[s.workdir.name] = [p for p in s.flow(FLOW)["partitions"]
                                    if p["topic"] == topic and p["partition"] in silent]
        raise AssertionError(f"{e}; silent: {silent}; the instances say: {said}") from None


def assert_every_record_once(dc1, dc2, topic, feeder, instances, timeout=180):
    """Stops the feeder; then every record it sent is on the target once, in order (read as
    a read_committed consumer reads it)."""
    # What the source holds: the feeder may have given up on a record the loaded source did
    # not take in time.
    feeder.stop(check=False)
    total = sum(end_offsets(dc1.bootstrap(), [topic]).values())
    wait_for(lambda: mirrored_up_to(instances, topic) == total, timeout,
             f"the {total} records mirrored")
    report = assert_mirrored(dc1, dc2, topic, expect=total)
    assert report.source_records == total


def test_kill9_of_one_of_three_instances_hands_its_partitions_to_the_others(dc1_dc2, strait):
    """Its partitions resume on the two others; theirs keep flowing, and a survivor does
    not replace its producer. librdkafka's cooperative-sticky assignor balances partition
    counts over the test topic and the remote heartbeats topics, and is not strictly
    sticky: once, it gave a survivor's partition to the other survivor too
    (docs/operations.md). Such a partition is handed over as the killed instance's are, and
    its former owner is not held to keeping its producer."""
    dc1, dc2 = dc1_dc2
    topic, feeder = under_load(dc1, "ha")
    instances = [start_instance(strait, dc1, dc2, topic, f"i{i}") for i in range(3)]
    wait_for(lambda: shared_by_all(instances, topic, 6), 120,
             "the 6 partitions shared by the three instances")
    instances = busiest_first(instances, topic)  # the one killed below
    shares = split(instances, topic, 6)
    # The members are read from the group's coordinator every refresh interval.
    group = wait_for(lambda: (lambda g: g if len(g["instances"]) == 3 else None)(
        instances[1].flow(FLOW)["group"]), 30, "i1 to list the three instances")
    assert group["group"] == f"{topic}.dc1.dc2", group
    assert group["error"] == "" and group["generation"] >= 1, group
    assert {m["instance"] for m in group["instances"]} == {"i0", "i1", "i2"}
    wait_for(lambda: (instances[0].metric("strait_records_mirrored_total", flow=FLOW, topic=topic)
                      or 0) > 200, 60, "records flowing through the busiest instance")

    moved = shares[0]
    before = {i: positions(instances[i], topic) for i in (1, 2)}
    resets_before = {i: producer_resets(instances[i]) for i in (1, 2)}
    # Committed records as a read_committed reader sees them arrive, per partition.
    arrivals = ArrivalMeter(dc2.bootstrap(), f"dc1.{topic}", 6).start()
    try:
        wait_arriving(arrivals, lambda: time.monotonic() - 0.5, 30,
                      "every partition arriving on the target", instances, topic)
        instances[0].kill()
        killed_at = time.monotonic()
        survivors = instances[1:]
        after = wait_for(lambda: split(survivors, topic, 6), 15,
                         f"the killed instance's partitions {sorted(moved)} mirroring on the others within 15 s")
        taken_over = time.monotonic()
        print(f"the killed instance's partitions resumed elsewhere after {taken_over - killed_at:.1f} s")
        # Past the rebalance that handed them over, which changed the survivors' generation.
        wait_arriving(arrivals, lambda: taken_over + 2, 60,
                      "every partition arriving after the take-over", survivors, topic)
        end = time.monotonic()
    finally:
        arrivals.stop()
    kept = set()
    for i in (1, 2):
        # The partitions that stayed with their owner kept flowing.
        stayed = shares[i] & after[i - 1]
        kept |= stayed
        now = positions(instances[i], topic)
        assert all(now[p] > before[i][p] for p in stayed), (before[i], now)
        # The rebalance refuses the survivors' open transactions (their generation changed):
        # they are aborted and re-sent from where they began, and the producer is kept. A
        # survivor that lost none of its partitions has nothing in a transaction to hand
        # over, so nothing that would make it replace the producer and resume every
        # partition from the target (a pause of 1 to 3.4 s; the instance-failover benchmark
        # measures the pauses, docs/benchmarks.md).
        if shares[i] <= after[i - 1]:
            assert producer_resets(instances[i]) == resets_before[i], f"i{i} replaced its producer"
    reassigned = set(range(6)) - set(moved) - kept
    print(f"shares before {shares}, after {after}; survivors' partitions the assignor moved: "
          f"{sorted(reassigned)}")
    pauses = {p: to - since for p in kept
              for since, to in [arrivals.longest_gap(p, killed_at, end)]}
    print(f"longest pause of an unmoved partition: {max(pauses.values(), default=0.0):.2f} s "
          f"{pauses}")

    assert_every_record_once(dc1, dc2, topic, feeder, instances)


def test_an_instance_paused_past_its_session_lands_nothing_after_its_partitions_moved(
        dc1_dc2, strait):
    dc1, dc2 = dc1_dc2
    topic, feeder = under_load(dc1, "zombie")
    instances = [start_instance(strait, dc1, dc2, topic, f"z{i}") for i in range(3)]
    wait_for(lambda: shared_by_all(instances, topic, 6), 120, "the partitions shared by all three")
    instances = busiest_first(instances, topic)  # the one frozen below
    wait_for(lambda: (instances[0].metric("strait_records_mirrored_total", flow=FLOW, topic=topic)
                      or 0) > 200, 60, "records flowing through the instance to freeze")
    zombie = instances[0]
    zombie.proc.send_signal(signal.SIGSTOP)  # with records read and sent, not committed
    try:
        wait_for(lambda: split(instances[1:], topic, 6), 60, "its partitions mirrored by the other two")
        mirrored = sum(positions(s, topic)[p] for s in instances[1:] for p in owned(s, topic))
        wait_for(lambda: sum(positions(s, topic)[p] for s in instances[1:]
                             for p in owned(s, topic)) > mirrored + 500, 60,
                 "the other two mirroring its partitions past where it stood")
    finally:
        zombie.proc.send_signal(signal.SIGCONT)
    # The frozen instance goes on where it was, learns that its partitions moved, and joins again.
    wait_for(lambda: shared_by_all(instances, topic, 6), 120, "the partitions shared again")
    assert_every_record_once(dc1, dc2, topic, feeder, instances)


class TransactionalFeeder:
    """Writes batches of 60 records to a 6-partition topic in transactions, aborting every
    third; counts the records of the committed ones."""

    def __init__(self, bootstrap, topic):
        self.producer = Producer({"bootstrap.servers": bootstrap,
                                  "transactional.id": unique("txfeed"), "linger.ms": 5, **QUIET})
        self.topic, self.committed = topic, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self.producer.init_transactions(30)
        self._thread.start()
        return self

    def _run(self):
        batch = 0
        while not self._stop.is_set():
            self.producer.begin_transaction()
            for i in range(60):
                self.producer.produce(self.topic, value=f"t{batch}-{i}".encode(), partition=i % 6)
            self.producer.flush(30)
            if batch % 3 == 2:
                self.producer.abort_transaction(30)
            else:
                self.producer.commit_transaction(30)
                self.committed += 60
            batch += 1
            time.sleep(0.05)

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=120)
        return self.committed


def test_a_transactional_source_through_a_kill9_reaches_read_committed_readers_once(
        dc1_dc2, strait):
    dc1, dc2 = dc1_dc2
    topic = unique("txsrc")
    create_topic(dc1.bootstrap(), topic, 6)
    feeder = TransactionalFeeder(dc1.bootstrap(), topic).start()
    instances = [start_instance(strait, dc1, dc2, topic, f"t{i}") for i in range(3)]
    wait_for(lambda: shared_by_all(instances, topic, 6), 120, "the partitions shared by all three")
    instances = busiest_first(instances, topic)  # the one killed below
    wait_for(lambda: (instances[0].metric("strait_records_mirrored_total", flow=FLOW, topic=topic)
                      or 0) > 200, 60, "records flowing through the instance to kill")
    instances[0].kill()
    wait_for(lambda: split(instances[1:], topic, 6), 30, "its partitions mirrored by the other two")
    committed = feeder.stop()
    # The source's ends count markers and aborted records, which the data path steps over.
    ends = sum(end_offsets(dc1.bootstrap(), [topic]).values())
    wait_for(lambda: mirrored_up_to(instances, topic) == ends, 180, "the source mirrored")
    report = assert_mirrored(dc1, dc2, topic, expect=committed)
    assert report.source_records == committed


class OverlappingTransactions:
    """Two transactional producers writing to a partition in turns, each beginning its next
    transaction before the other commits: at every moment one of them has a transaction
    open there, so the partition's last stable offset stays behind its high watermark."""

    def __init__(self, bootstrap, topic):
        self.producers = [Producer({"bootstrap.servers": bootstrap, "linger.ms": 0,
                                    "transactional.id": unique("overlap"), **QUIET})
                          for _ in range(2)]
        self.topic, self.committed, self.errors = topic, 0, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        for p in self.producers:
            p.init_transactions(30)
        self._open(self.producers[0])
        self._thread.start()
        return self

    def _open(self, p):
        p.begin_transaction()
        p.produce(self.topic, value=b"local", partition=0)
        p.flush(30)

    def _run(self):
        try:
            turn = 1
            while not self._stop.is_set():
                self._open(self.producers[turn])
                self.producers[1 - turn].commit_transaction(30)
                self.committed += 1
                turn = 1 - turn
                time.sleep(0.2)
            self.producers[1 - turn].commit_transaction(30)
            self.committed += 1
        except Exception as e:  # noqa: BLE001 - reported by stop()
            self.errors.append(e)

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=120)
        assert not self.errors, self.errors
        return self.committed


def test_a_partition_the_targets_own_transactions_keep_busy_resumes_in_group_mode(
        dc1_dc2, strait):
    """With identity naming the target topic is also the target's applications' topic. An
    instance given a partition waits for the transactions open on it at that moment (a
    former owner's), not until none is open: here one always is."""
    dc1, dc2 = dc1_dc2
    topic = unique("busytx")
    create_topic(dc1.bootstrap(), topic, 1)
    create_topic(dc2.bootstrap(), topic, 1)
    produce(dc1.bootstrap(), topic, [Record(None, f"v{i}".encode(), [], 0) for i in range(100)])
    local = OverlappingTransactions(dc2.bootstrap(), topic).start()
    try:
        s = start_instance(strait, dc1, dc2, topic, "b0", naming="identity")
        wait_for(lambda: positions(s, topic).get(0) == 100, 90,
                 "the 100 source records mirrored while the target's transactions overlap")
    finally:
        local_records = local.stop()
    assert local_records > 0
    # Both kinds on the target, each once: the source's 100 and the applications' own.
    values = [r.value for r in consume_all(dc2.bootstrap(), topic)]
    assert sorted(v for v in values if v != b"local") == sorted(f"v{i}".encode()
                                                                 for i in range(100))
    assert values.count(b"local") == local_records


def test_scaling_one_to_three_to_one_loses_and_duplicates_nothing(dc1_dc2, strait):
    dc1, dc2 = dc1_dc2
    topic, feeder = under_load(dc1, "scale")
    first = start_instance(strait, dc1, dc2, topic, "s0")
    wait_for(lambda: split([first], topic, 6), 120, "s0 mirroring all 6 partitions")
    others = [start_instance(strait, dc1, dc2, topic, f"s{i}") for i in (1, 2)]
    everyone = [first] + others
    wait_for(lambda: shared_by_all(everyone, topic, 6), 120, "the partitions shared by all three")
    for s in others:  # a rolling stop: each drains, then its partitions move
        assert s.stop() == 0
    wait_for(lambda: split([first], topic, 6), 120, "s0 mirroring all 6 partitions again")
    assert_every_record_once(dc1, dc2, topic, feeder, everyone)


def test_rolling_restart_of_three_instances_loses_and_duplicates_nothing(dc1_dc2, strait):
    dc1, dc2 = dc1_dc2
    topic, feeder = under_load(dc1, "roll")
    instances = [start_instance(strait, dc1, dc2, topic, f"r{i}") for i in range(3)]
    wait_for(lambda: shared_by_all(instances, topic, 6), 120, "the partitions shared by all three")
    for s in instances:
        assert s.stop() == 0  # drains; its partitions move to the other two
        s.start()
        wait_for(lambda: shared_by_all(instances, topic, 6), 120,
                 "the partitions shared by all three again")
    assert_every_record_once(dc1, dc2, topic, feeder, instances)


def test_an_instance_with_another_flow_definition_is_refused(dc1_dc2, strait):
    dc1, dc2 = dc1_dc2
    topic = unique("refuse")
    create_topic(dc1.bootstrap(), topic, 2)
    a = start_instance(strait, dc1, dc2, topic, "a")
    wait_for(lambda: split([a], topic, 2), 120, "a mirroring both partitions")
    b = start_instance(strait, dc1, dc2, topic, "b", naming="identity")
    error = wait_for(lambda: (b.flow(FLOW)["group"] or {}).get("error"), 60, "b's group error")
    assert "instance a" in error and "runs a different definition of this flow" in error, error
    assert "stays out of the group" in error
    assert owned(b, topic) == set()
    assert split([a], topic, 2)  # a kept both
    assert topic not in topic_names(dc2.bootstrap())  # b did not create its identity topic
    assert "runs a different definition" in b.cli("status").stdout


def test_two_instances_with_the_same_instance_id_are_reported(dc1_dc2, strait):
    dc1, dc2 = dc1_dc2
    topic = unique("twin")
    create_topic(dc1.bootstrap(), topic, 2)
    twins = [start_instance(strait, dc1, dc2, topic, "same") for _ in range(2)]
    for s in twins:
        error = wait_for(lambda: (s.flow(FLOW)["group"] or {}).get("error"), 60,
                         "the twin reported")
        assert "has this instance's instance.id same" in error, error
    wait_for(lambda: split(twins, topic, 2), 120, "each partition mirrored by one of the twins")


LAGGING = "lagging"


@pytest.fixture(scope="module")
def lagging_target(bed, dc1_dc2):
    """A target of two brokers with a controller of its own, so that one broker can be
    frozen while the other and the controller go on. A frozen follower stays in the ISR for
    replica.lag.time.max.ms (8 s; the testbed's 2 s would close the window too soon), and
    the controller fences it only after broker.session.timeout.ms (9 s, later, so that the
    lag decides). Transactions go on once it left the ISR of the transaction log."""
    if LAGGING not in bed.clusters:
        bed.up(ClusterSpec(LAGGING, brokers=2, controllers=1, overrides={
            "replica.lag.time.max.ms": "8000", "broker.session.timeout.ms": "9000",
            "transaction.state.log.min.isr": "1"}))
        bootstrap = bed[LAGGING].bootstrap()
        # The group and transaction coordinators' topics, created on first use.
        Producer({"bootstrap.servers": bootstrap, "transactional.id": "warm-up",
                  **QUIET}).init_transactions(60)
        Consumer({"bootstrap.servers": bootstrap, "group.id": "warm-up",
                  **QUIET}).committed([TopicPartition("warm-up", 0)], timeout=60)
        wait_for(lambda: all(_leaders(bootstrap, t) for t in INTERNAL), 60,
                 "the coordinators' topics led")
    yield dc1_dc2[0], bed[LAGGING]
    bed.remove(LAGGING)


INTERNAL = ("__consumer_offsets", "__transaction_state")


def _leaders(bootstrap, topic):
    """The leader of each partition of `topic`, None while one has none."""
    partitions = admin(bootstrap).list_topics(topic, timeout=10).topics[topic].partitions
    leaders = [partitions[p].leader for p in sorted(partitions)]
    return leaders if leaders and min(leaders) >= 0 else None


def _coordinator(bootstrap, internal, key):
    """The broker that coordinates group or transactional id `key`: the leader of partition
    abs(key.hashCode()) % partitions of `internal`, as Kafka places them."""
    h = 0
    for c in key.encode():
        h = (31 * h + c) & 0xFFFFFFFF
    h = h - (1 << 32) if h >= 1 << 31 else h
    leaders = _leaders(bootstrap, internal)
    return leaders[0 if h == -(1 << 31) else abs(h) % len(leaders)]


def coordinated_by_one_broker(target, instance_id):
    """A new topic name whose instance group (prefix "<topic>.") and transactional id have
    their coordinators on one broker, and that broker: the other one can then be frozen
    while strait's transactions and group membership go on."""
    bootstrap = target.bootstrap()
    for _ in range(100):
        topic = unique("lagging")
        group = _coordinator(bootstrap, INTERNAL[0], f"{topic}.dc1.dc2")
        if group == _coordinator(bootstrap, INTERNAL[1], f"{topic}.dc1.dc2.{instance_id}"):
            return topic, group
    raise AssertionError("no topic name with both coordinators on one broker")


def inflight(s, topic):
    """Records sent to the target and not acknowledged yet."""
    return sum(p["inflight_records"] for p in s.flow(FLOW)["partitions"] if p["topic"] == topic)


def kill9_while_a_follower_lags(bed, dc1, target, s, topic, feeder, follower):
    """Every remote partition is led by one broker of `target` and followed by `follower`,
    which is frozen: acks=all writes then sit above the high watermark, in the leader's log
    but invisible to readers, until the follower leaves the ISR. strait is killed with such
    writes in flight and started again (same instance.id) while the follower is still
    frozen, so that it looks for where it stopped in a log that does not show them yet."""
    wait_for(lambda: split([s], topic, 6), 120, "the 6 partitions mirroring")
    # The remote heartbeats topic, created a little later, changes the group's assignment:
    # that rebalance is over before the follower is frozen.
    wait_for(lambda: owned(s, "heartbeats"), 60, "the heartbeats mirroring")
    mirrored = s.metric("strait_records_mirrored_total", flow=FLOW, topic=topic) or 0
    wait_for(lambda: (s.metric("strait_records_mirrored_total", flow=FLOW, topic=topic) or 0)
             > mirrored + 200, 60, "records flowing")
    bed.freeze(LAGGING, [follower])
    try:
        # In group mode a transaction holds at most 100 ms of records (~150).
        stuck = wait_for(lambda: (lambda n: n if n >= 50 else None)(inflight(s, topic)), 30,
                         "records above the target's high watermark")
        acked = mirrored_up_to([s], topic)
        s.kill()
        s.start()
        # Past every record that was in flight at the kill: the window has played out (the
        # follower left the ISR, the killed process's writes were committed or aborted).
        wait_for(lambda: split([s], topic, 6) and mirrored_up_to([s], topic) > acked + stuck,
                 120, "the restarted strait mirroring past what was in flight at the kill")
    finally:
        bed.thaw(LAGGING, [follower])
    assert_every_record_once(dc1, target, topic, feeder, [s])


def test_kill9_while_the_targets_follower_lags_duplicates_nothing_in_group_mode(
        bed, lagging_target, strait):
    """One instance in group mode is enough: a restart resumes only once the killed
    process's open transaction was aborted, after its last requests (guarantees.md, "The
    restart window")."""
    dc1, target = lagging_target
    topic, leader = coordinated_by_one_broker(target, "only")
    follower = next(n.node_id for n in target.brokers if n.node_id != leader)
    create_topic(target.bootstrap(), f"dc1.{topic}", assignment=[[leader, follower]] * 6)
    topic, feeder = under_load(dc1, "", topic)
    s = start_instance(strait, dc1, target, topic, "only")
    kill9_while_a_follower_lags(bed, dc1, target, s, topic, feeder, follower)
