"""strait audit against real stretched clusters: for each fault, the audit's saved prediction
must match what the cluster then does, partition by partition and group by group.

Three DCs: 6 brokers (dc1, dc1, dc2, dc2, dc3, dc3) and 3 controllers, one per DC; each DC in
turn is killed (kill -9, brokers and controller), the cluster settles, every partition is
probed with acks=all and acks=1 writes and a read, and the DC comes back with every record
acknowledged with acks=all on the consistency-first topics still there.

Two DCs: 4 brokers, controllers 2 + 1. A clean loss shows consistency first (writes blocked)
against availability first (writes go on); a loss after the ISR had shrunk into the lost DC
shows availability first losing acknowledged records while ELR keeps consistency first
clean; losing the DC with the voter majority freezes metadata."""

import json
import pathlib
import subprocess
import time
from typing import Dict, List, Tuple

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from strait_testbed import ClusterSpec
from strait_testbed import paths
from strait_testbed.audit_probe import (ACKS1_ONLY, OFFLINE, WRITABLE, AckRecorder,
                                        missing_acked, probe, settle, snapshot, wait_healthy)
from strait_testbed.kafka import QUIET, wait_for

# Fencing after broker.session.timeout.ms; then nothing may change for this long. Elections
# and ISR shrinks happen at fencing and reach every broker within a metadata round trip, so
# a few seconds suffice; each extra second costs one per fault in the suite's runtime.
STABLE_S = 4


# ---- helpers --------------------------------------------------------------------------------

def create_topics(bootstrap: str, topics: List[NewTopic]):
    admin = AdminClient({"bootstrap.servers": bootstrap, **QUIET})
    for name, f in admin.create_topics(topics, operation_timeout=30).items():
        f.result(timeout=60)


LOADING = (KafkaError.NOT_COORDINATOR, KafkaError.COORDINATOR_LOAD_IN_PROGRESS)


def commit_groups(bootstrap: str, groups: List[str], topic: str):
    """Creates the groups. Right after the cluster starts a coordinator may still be loading
    its __consumer_offsets partition (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, which
    librdkafka does not flag as retriable on a commit): poll until each commit goes through."""
    for g in groups:
        c = Consumer({"bootstrap.servers": bootstrap, "group.id": g, **QUIET})

        def commit():
            try:
                c.commit(offsets=[TopicPartition(topic, 0, 0)], asynchronous=False)
                return True
            except KafkaException as e:
                if not e.args[0].retriable() and e.args[0].code() not in LOADING:
                    raise
                return False
        wait_for(commit, 60, f"a first commit of group {g}", interval=0.5)
        c.close()


def bootstrap_of(cluster, dcs) -> str:
    return ",".join(f"127.0.0.1:{n.local_port}" for n in cluster.brokers if n.rack in dcs)


def write_operator_file(path: pathlib.Path, cluster, brokers: bool = False,
                        elr: Dict[str, Dict[int, List[int]]] = None) -> str:
    lines = ["controllers:"] + [f"  {n.node_id}: {n.rack}" for n in cluster.voters]
    lines.append("eligible_leader_replicas: true")  # 4.1.1 formats new clusters with it
    if brokers:
        lines += ["brokers:"] + [f"  {n.node_id}: {n.rack}" for n in cluster.brokers]
    if elr:
        lines.append("elr:")
        for topic, parts in elr.items():
            lines.append(f"  {topic}: {{{', '.join(f'{p}: {ids}' for p, ids in parts.items())}}}")
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def run_audit(strait_bin, *args, timeout: float = 120) -> Tuple[int, dict, str]:
    proc = subprocess.run([str(strait_bin), "audit", *args, "--format", "json"],
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode in (0, 3, 4, 5), f"strait audit failed ({proc.returncode}): {proc.stderr}"
    return proc.returncode, json.loads(proc.stdout), proc.stderr


def scenario(report: dict, name: str) -> dict:
    for s in report["scenarios"]:
        if s["name"] == name:
            return s
    raise AssertionError(f"no scenario {name!r} in {[s['name'] for s in report['scenarios']]}")


def observable(p: dict) -> str:
    """What a probe can see of a predicted class once the scenario has settled."""
    cls = p["class"]
    if cls == "UNCLEAN-ELECTION":
        return p["settled"]
    return OFFLINE if cls.startswith("OFFLINE") else cls


def compare(prediction: dict, observed: dict, topics, groups=()) -> List[str]:
    """Every predicted partition of `topics` and each of `groups`, against what was observed.
    Only the groups a test probed: the cluster is shared, and another test's groups may be
    in the audit's report."""
    out = []
    for p in prediction["partitions"]:
        if p["topic"] not in topics:
            continue
        key = f"{p['topic']}/{p['partition']}"
        seen = observed["partitions"][key]
        if seen["class"] != observable(p):
            out.append(f"{prediction['name']}: {key} predicted {p['class']} ({p['reason']}), "
                       f"observed {seen}")
    for g in prediction["groups"]:
        if g["group"] not in groups:
            continue
        error = observed.get("groups", {}).get(g["group"], "not probed")
        if g["can_commit"] != (error is None):
            out.append(f"{prediction['name']}: group {g['group']} (partition {g['partition']}, "
                       f"{g['class']}) predicted can_commit={g['can_commit']}, commit gave {error}")
    return out


def isr_of(bootstrap: str, tp: Tuple[str, int]) -> Tuple[int, ...]:
    """The partition's ISR, or all of its replicas while no broker answers."""
    try:
        return snapshot(bootstrap)[1][tp][2]
    except Exception:  # noqa: BLE001 - a frozen broker took the request: not yet
        return (0,)


def partitions_of(report: dict, topics) -> List[Tuple[str, int]]:
    return [(p["topic"], p["partition"]) for p in report["scenarios"][0]["partitions"]
            if p["topic"] in topics]


def describe_elr(bootstrap: str, topics: List[str]) -> Dict[str, Dict[int, List[int]]]:
    """The ELR of each partition, read with Kafka's Java admin client (DescribeTopicPartitions,
    which librdkafka 2.0.2 lacks): what an operator copies into the operator file."""
    proc = subprocess.run([paths.java(), "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp",
                           paths.classpath(), str(pathlib.Path(__file__).parent / "DescribeElr.java"),
                           bootstrap, *topics], capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, f"DescribeElr failed: {proc.stderr[-2000:]}"
    elr: Dict[str, Dict[int, List[int]]] = {}
    for line in proc.stdout.splitlines():
        topic, part, *ids = line.split(" ")
        elr.setdefault(topic, {})[int(part)] = [int(x) for x in ids[0].split(",") if x] if ids else []
    return elr


# ---- three DCs ------------------------------------------------------------------------------

THREE_TOPICS = ["rf3", "rf6", "pinned", "unclean", "dc1only", "capped"]
# min ISR (effective) > the replicas any one DC holds
CONSISTENCY_FIRST = ["rf3", "rf6", "pinned", "capped"]
GROUPS3 = [f"audit-group-{i}" for i in range(4)]


@pytest.fixture(scope="module")
def three_dcs(bed):
    (cluster,) = bed.up(ClusterSpec(
        "audit3", brokers=6, controllers=3, racks=["dc1", "dc1", "dc2", "dc2", "dc3", "dc3"],
        controller_racks=["dc1", "dc2", "dc3"], overrides={"min.insync.replicas": "2"}))
    create_topics(cluster.bootstrap(), [
        NewTopic("rf3", 3, 3, config={"min.insync.replicas": "2"}),
        NewTopic("rf6", 2, 6, config={"min.insync.replicas": "3"}),
        NewTopic("pinned", 2, replica_assignment=[[1, 3, 2, 4], [3, 1, 4, 2]],
                 config={"min.insync.replicas": "3"}),
        NewTopic("unclean", 2, 3, config={"min.insync.replicas": "1",
                                          "unclean.leader.election.enable": "true"}),
        NewTopic("dc1only", 1, replica_assignment=[[1, 2]]),
        # min.insync.replicas 3 > RF 2: Kafka enforces min(3, RF) = 2 since 3.7.
        NewTopic("capped", 1, replica_assignment=[[3, 5]], config={"min.insync.replicas": "3"}),
    ])
    commit_groups(cluster.bootstrap(), GROUPS3, "rf3")
    yield cluster
    bed.remove("audit3")


def test_reads_the_cluster_through_every_source(three_dcs, strait_bin, tmp_path):
    """Bootstrap, a strait config alias and a saved description give the same report; the
    coordinator partitions match the cluster's; no secret reaches any output."""
    cluster = three_dcs
    ops = write_operator_file(tmp_path / "ops.yaml", cluster)
    saved = tmp_path / "saved.json"
    rc, direct, _ = run_audit(strait_bin, "--bootstrap-servers", cluster.bootstrap(),
                              "--operator-file", ops, "--save", str(saved))
    config = tmp_path / "strait.yaml"
    config.write_text(
        "clusters:\n"
        f"  audit3: {{bootstrap.servers: \"{cluster.bootstrap()}\", "
        "ssl.key.password: \"hunter2-not-shown\"}\n"
        "  other: {bootstrap.servers: \"127.0.0.1:1\"}\n"
        "flows:\n  - {source: audit3, target: other}\n")
    rc_alias, via_alias, err = run_audit(strait_bin, "--config", str(config), "--cluster", "audit3",
                                         "--operator-file", ops, "--save", str(tmp_path / "a.json"))
    rc_from, offline, _ = run_audit(strait_bin, "--from", str(saved))
    assert rc == rc_alias == rc_from == 4  # dc1only goes offline with dc1
    strip = lambda r: [(s["name"], s["verdict"], [(p["topic"], p["partition"], p["class"])  # noqa: E731
                                                  for p in s["partitions"]]) for s in r["scenarios"]]
    assert strip(direct) == strip(via_alias) == strip(offline)
    for text in [json.dumps(via_alias), err, (tmp_path / "a.json").read_text()]:
        assert "hunter2" not in text

    description = json.loads(saved.read_text())
    assert [c["dc"] for c in description["controllers"]] == ["dc1", "dc2", "dc3"]
    assert {b["id"]: b["dc"] for b in description["brokers"]} == {
        1: "dc1", 2: "dc1", 3: "dc2", 4: "dc2", 5: "dc3", 6: "dc3"}
    offsets = next(t for t in description["topics"] if t["name"] == "__consumer_offsets")
    leaders = {p["id"]: p["leader"] for p in offsets["partitions"]}
    groups = {g["id"]: g for g in description["groups"]}
    assert set(GROUPS3) <= set(groups)
    for g in GROUPS3:  # abs(hashCode) % partitions, checked against the broker's answer
        assert groups[g]["reported_coordinator"] == leaders[groups[g]["coordinator_partition"]]

    table = subprocess.run([str(strait_bin), "audit", "--from", str(saved)], capture_output=True,
                           text=True, timeout=60)
    assert table.returncode == 4 and "lose dc1" in table.stdout and "Exit code 4" in table.stdout


def test_each_dc_loss_matches_the_prediction(bed, three_dcs, strait_bin, tmp_path):
    cluster = three_dcs
    ops = write_operator_file(tmp_path / "ops.yaml", cluster)
    all_brokers = {n.node_id for n in cluster.brokers}
    seen_classes = set()
    for dc in ("dc1", "dc2", "dc3"):
        rc, report, _ = run_audit(strait_bin, "--bootstrap-servers", cluster.bootstrap(),
                                  "--operator-file", ops, "--save", str(tmp_path / f"{dc}.json"))
        assert rc == report["exit_code"] == 4
        prediction = scenario(report, f"lose {dc}")
        assert prediction["quorum"]["state"] == "survives"
        nodes = [n.node_id for n in cluster.nodes if n.rack == dc]
        dead = {n.node_id for n in cluster.brokers if n.rack == dc}
        survivors = bootstrap_of(cluster, {"dc1", "dc2", "dc3"} - {dc})
        recorder = AckRecorder(cluster.bootstrap(), partitions_of(report, CONSISTENCY_FIRST)).start()
        wait_for(lambda: recorder.count() >= 30, 30, "acknowledged records before the kill")

        bed.kill(cluster.spec.alias, nodes)
        settle(survivors, dead, STABLE_S)
        observed = probe(survivors, partitions_of(report, THREE_TOPICS), GROUPS3, "rf3")
        mismatches = compare(prediction, observed, THREE_TOPICS, GROUPS3)
        seen_classes |= {v["class"] for v in observed["partitions"].values()}

        bed.start(cluster.spec.alias, nodes)
        wait_healthy(cluster.bootstrap(), all_brokers)
        recorder.stop()
        assert not mismatches, "\n".join(mismatches)
        assert not missing_acked(cluster.bootstrap(), recorder), f"acked records lost after {dc}"
    # The topics were chosen so that every observable class occurs.
    assert seen_classes == {WRITABLE, ACKS1_ONLY, OFFLINE}


# ---- two DCs --------------------------------------------------------------------------------

GROUPS2 = [f"audit-group-{i}" for i in range(10)]


@pytest.fixture(scope="module")
def two_dcs(bed):
    # A longer session timeout leaves time to audit while dc1 is frozen but not yet fenced.
    (cluster,) = bed.up(ClusterSpec(
        "audit2", brokers=4, controllers=3, racks=["dc1", "dc1", "dc2", "dc2"],
        controller_racks=["dc1", "dc1", "dc2"],
        overrides={"min.insync.replicas": "2", "broker.session.timeout.ms": "15000"}))
    create_topics(cluster.bootstrap(), [
        # Consistency first: min ISR 3 > the 2 replicas a DC holds.
        NewTopic("cf", 2, replica_assignment=[[3, 1, 4, 2], [1, 3, 2, 4]],
                 config={"min.insync.replicas": "3"}),
        # Availability first: min ISR 2 = RF - r_max, unclean election on.
        NewTopic("af", 2, replica_assignment=[[3, 1, 4, 2], [1, 3, 2, 4]],
                 config={"min.insync.replicas": "2", "unclean.leader.election.enable": "true"}),
    ])
    commit_groups(cluster.bootstrap(), GROUPS2, "cf")
    yield cluster
    bed.remove("audit2")


def test_two_dcs_consistency_first_blocks_availability_first_writes(bed, two_dcs, strait_bin,
                                                                    tmp_path):
    cluster = two_dcs
    ops = write_operator_file(tmp_path / "ops.yaml", cluster)
    rc, report, _ = run_audit(strait_bin, "--bootstrap-servers", cluster.bootstrap(),
                              "--operator-file", ops)
    assert rc == 4  # losing dc1 loses the quorum
    prediction = scenario(report, "lose dc2")
    classes = {(p["topic"], p["class"]) for p in prediction["partitions"] if p["topic"] in ("cf", "af")}
    assert classes == {("cf", "ACKS1-ONLY"), ("af", "WRITABLE")}
    # __consumer_offsets has RF 3 over 2 + 2 brokers: some groups lose their commit quorum.
    assert {g["can_commit"] for g in prediction["groups"]} == {True, False}

    recorder = AckRecorder(cluster.bootstrap(), partitions_of(report, ["cf"])).start()
    wait_for(lambda: recorder.count() >= 20, 30, "acknowledged records before the kill")
    nodes = [n.node_id for n in cluster.nodes if n.rack == "dc2"]
    bed.kill(cluster.spec.alias, nodes)
    settle(bootstrap_of(cluster, {"dc1"}), {3, 4}, STABLE_S)
    observed = probe(bootstrap_of(cluster, {"dc1"}), partitions_of(report, ["cf", "af"]),
                     GROUPS2, "cf")
    mismatches = compare(prediction, observed, ["cf", "af"], GROUPS2)
    bed.start(cluster.spec.alias, nodes)
    wait_healthy(cluster.bootstrap(), {1, 2, 3, 4})
    recorder.stop()
    assert not mismatches, "\n".join(mismatches)
    assert not missing_acked(cluster.bootstrap(), recorder)


def _freeze_until_isr_in_dc2(bed, cluster, topics, tmp_path, strait_bin):
    """Freezes dc1's brokers under write load until the ISR of `topics` lies inside dc2, then
    audits before the frozen brokers are fenced. Returns (report, recorder, frozen_at)."""
    dc2 = bootstrap_of(cluster, {"dc2"})
    pressure = AckRecorder(dc2, [(t, 0) for t in topics], acks="1").start()  # moves the LEO
    recorder = AckRecorder(dc2, [(t, 0) for t in topics]).start()
    wait_for(lambda: recorder.count() >= 20, 30, "acknowledged records before the freeze")
    frozen_at = time.monotonic()
    bed.freeze(cluster.spec.alias, [1, 2])
    wait_for(lambda: all(set(isr_of(dc2, (t, 0))) <= {3, 4} for t in topics), 30,
             "the ISR to shrink into dc2")
    elr = describe_elr(dc2, topics)
    ops = write_operator_file(tmp_path / "ops-frozen.yaml", cluster, brokers=True, elr=elr)
    saved = tmp_path / "frozen.json"
    _, report, _ = run_audit(strait_bin, "--bootstrap-servers", dc2, "--timeout", "2000",
                             "--operator-file", ops, "--save", str(saved))
    pressure.stop()
    registered = {b["id"] for b in json.loads(saved.read_text())["brokers"] if b["registered"]}
    return report, recorder, frozen_at, registered == {1, 2, 3, 4}


def test_two_dcs_availability_first_loses_what_only_the_lost_dc_had(bed, two_dcs, strait_bin,
                                                                    tmp_path):
    cluster = two_dcs
    topics = ["cfb", "afb"]
    create_topics(cluster.bootstrap(), [  # leaders in dc2
        NewTopic("cfb", 1, replica_assignment=[[3, 1, 4, 2]], config={"min.insync.replicas": "3"}),
        NewTopic("afb", 1, replica_assignment=[[3, 1, 4, 2]],
                 config={"min.insync.replicas": "2", "unclean.leader.election.enable": "true"})])
    for _ in range(3):  # a slow audit may see dc1 already fenced: thaw and try again
        report, recorder, frozen_at, in_time = _freeze_until_isr_in_dc2(
            bed, cluster, topics, tmp_path, strait_bin)
        if in_time:
            break
        recorder.stop()
        bed.thaw(cluster.spec.alias, [1, 2])
        wait_healthy(cluster.bootstrap(), {1, 2, 3, 4})
    assert in_time, "could not audit while dc1 was frozen but still registered"
    prediction = scenario(report, "lose dc2")
    predicted = {p["topic"]: p for p in prediction["partitions"] if p["topic"] in topics}
    assert predicted["afb"]["class"] == "UNCLEAN-ELECTION"
    assert predicted["afb"]["acked_loss"] == "certain"
    assert predicted["cfb"]["acked_loss"] == "none"
    # What the prediction is about: records acknowledged while only dc2 has them (dc1 is
    # still frozen). On a loaded machine the recorder may not have had one acknowledged yet.
    only_dc2 = time.monotonic()
    wait_for(lambda: any(at > only_dc2 for _, at in list(recorder.acked[("afb", 0)].values())),
             60, "records of afb acknowledged by dc2 alone")

    nodes = [n.node_id for n in cluster.nodes if n.rack == "dc2"]
    bed.kill(cluster.spec.alias, nodes)
    bed.thaw(cluster.spec.alias, [1, 2])
    recorder.stop()
    dc1 = bootstrap_of(cluster, {"dc1"})
    settle(dc1, {3, 4}, STABLE_S)
    observed = probe(dc1, [(t, 0) for t in topics])
    mismatches = compare(prediction, observed, topics)
    # Readable now only where a leader serves reads; ACKS1-ONLY cfb waits for dc2.
    lost_now = missing_acked(dc1, recorder, only=[("afb", 0)])
    bed.start(cluster.spec.alias, nodes)
    wait_healthy(cluster.bootstrap(), {1, 2, 3, 4})
    assert not mismatches, "\n".join(mismatches)
    lost = missing_acked(cluster.bootstrap(), recorder)
    assert lost.get(("afb", 0)) == lost_now.get(("afb", 0))  # dc2 truncated to the new leader
    assert ("cfb", 0) not in lost, "consistency first lost acknowledged records"
    assert lost.get(("afb", 0)), "availability first was predicted to lose records and did not"
    acked = recorder.acked[("afb", 0)]
    assert all(acked[o][1] > frozen_at for o in lost[("afb", 0)])  # only what only dc2 had


def test_two_dcs_losing_the_voter_majority_freezes_metadata(bed, two_dcs, strait_bin, tmp_path):
    cluster = two_dcs
    topics = ["cf", "af", "q"]
    create_topics(cluster.bootstrap(), [NewTopic("q", 1, replica_assignment=[[3, 1, 4, 2]])])
    wait_healthy(cluster.bootstrap(), {1, 2, 3, 4})
    ops = write_operator_file(tmp_path / "ops.yaml", cluster)
    _, report, _ = run_audit(strait_bin, "--bootstrap-servers", cluster.bootstrap(),
                             "--operator-file", ops)
    prediction = scenario(report, "lose dc1")
    assert prediction["verdict"] == "CONTROL-PLANE-DOWN"
    frozen = [p for p in prediction["partitions"] if p["hwm_frozen"] and p["topic"] in topics]
    assert frozen, "expected a dc2-led partition whose ISR includes dc1"

    nodes = [n.node_id for n in cluster.nodes if n.rack == "dc1"]
    bed.kill(cluster.spec.alias, nodes)
    dc2 = bootstrap_of(cluster, {"dc2"})
    settle(dc2, (), STABLE_S)  # nobody can be fenced: wait for the leaders' ISR attempts
    observed = probe(dc2, partitions_of(report, topics), GROUPS2, "cf")
    # The last test on this cluster: dc1 stays down and the fixture removes the cluster, which
    # saves restarting three JVMs (nothing acknowledged is at stake on these topics).
    mismatches = compare(prediction, observed, topics, GROUPS2)
    assert not mismatches, "\n".join(mismatches)
