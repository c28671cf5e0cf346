"""`strait verify` against real clusters: a clean flow passes, a target that has fallen behind
says so, and records planted in the target by producing there directly (one missing, one
duplicated, one out of order, one different) are each found, with the exit code scripts
act on."""

import json
import struct
import subprocess

from strait_testbed.e2e import clusters, flow, records, wait_caught_up
from strait_testbed.kafka import Record, admin, consume_all, create_topic, produce, unique
from strait_testbed.verify import PROVENANCE


def run_verify(strait_bin, config_path, *args, timeout=180):
    cmd = [str(strait_bin), "verify", "--config", str(config_path), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def verify_json(strait_bin, config_path, *args):
    r = run_verify(strait_bin, config_path, "--json", *args)
    assert r.stdout, f"no output (exit {r.returncode}): {r.stderr}"
    return r.returncode, json.loads(r.stdout)


def partitions_of(report):
    return {p["partition"]: p for f in report["flows"] for p in f["partitions"]}


def copy_of(source: Record, provenance: bytes, value=None) -> Record:
    """The target record strait would write for `source`, with a header taken from another
    mirrored record and pointed at the source record's offset."""
    header = provenance[:1] + struct.pack(">q", source.offset) + provenance[9:]
    headers = [(k, v) for k, v in source.headers if k != PROVENANCE] + [(PROVENANCE, header)]
    return Record(source.key, source.value if value is None else value, headers,
                  source.timestamp, partition=source.partition)


def test_verify_finds_planted_faults_and_passes_a_clean_flow(dc1_dc2, strait, strait_bin):
    dc1, dc2 = dc1_dc2
    topic = unique("verify")
    remote = f"dc1.{topic}"
    create_topic(dc1.bootstrap(), topic, 3)
    produce(dc1.bootstrap(), topic, records(300, 3))
    s = strait(clusters(dc1, dc2), [flow(topic)])
    wait_caught_up(s, [topic])

    # Clean, while strait keeps running: it is not disturbed and joins no group.
    code, report = verify_json(strait_bin, s.config_path, "--flow", "dc1->dc2", "--topics", topic)
    assert code == 0, report
    assert report["result"] == "ok"
    assert report["totals"]["matched"] == 300 and report["totals"]["partitions"] == 3
    for p in partitions_of(report).values():
        assert (p["checked_from"], p["last_mirrored"], p["result"]) == (0, 99, "ok"), p
        assert p["counts"]["missing"] == p["counts"]["duplicated"] == 0
    for cluster in (dc1, dc2):
        groups = [g.id for g in admin(cluster.bootstrap()).list_groups(timeout=10)]
        assert not [g for g in groups if g.startswith("strait-verify")], groups
    table = run_verify(strait_bin, s.config_path, "--topics", topic)
    assert table.returncode == 0, table.stdout + table.stderr
    assert "result: ok (exit 0): 3 partitions, 300 records matched" in table.stdout, table.stdout
    assert s.flow("dc1->dc2")["state"] == "running"

    # strait stops; the source goes on: the target is behind, and nothing is wrong yet.
    assert s.stop() == 0
    more = [Record(b"m%d" % i, b"more-%d" % i, [("n", b"%d" % i)], records(1, 1)[0].timestamp,
                   partition=p) for p, n in ((0, 5), (1, 1), (2, 3)) for i in range(n)]
    produce(dc1.bootstrap(), topic, more)
    code, report = verify_json(strait_bin, s.config_path, "--topics", topic)
    assert code == 4, report
    assert [partitions_of(report)[p]["counts"]["not_yet_mirrored"] for p in range(3)] == [5, 1, 3]
    assert report["totals"]["missing"] == 0

    # Plant faults by producing to the target directly. Partition 0 gets copies of source
    # offsets 101, 103, 102, 103, 104: 100 missing, 102 out of order, 103 twice.
    source = {(r.partition, r.offset): r for r in consume_all(dc1.bootstrap(), topic)}
    provenance = dict(consume_all(dc2.bootstrap(), remote, partitions=[0])[0].headers)[PROVENANCE]
    planted = [copy_of(source[(0, o)], provenance) for o in (101, 103, 102, 103, 104)]
    # Partition 1 gets source offset 100 with another value; partition 2 stays behind.
    planted.append(copy_of(source[(1, 100)], provenance, value=b"not what the source holds"))
    produce(dc2.bootstrap(), remote, planted)

    code, report = verify_json(strait_bin, s.config_path, "--topics", topic)
    assert code == 1, report
    assert report["result"] == "violations"
    p0, p1, p2 = (partitions_of(report)[p] for p in range(3))
    c0 = p0["counts"]
    assert (c0["missing"], c0["out_of_order"], c0["duplicated"], c0["matched"]) == (1, 1, 1, 103), p0
    found = {f["kind"]: f for f in p0["findings"]}
    assert found["missing"]["source_offsets"] == [100, 100]
    assert (found["out_of_order"]["source_offsets"], found["out_of_order"]["target_offset"]) == \
        ([102, 102], 102)
    assert (found["duplicated"]["source_offsets"], found["duplicated"]["target_offset"]) == \
        ([103, 103], 103)
    assert (p0["last_mirrored"], p0["result"]) == (104, "violations")
    assert (p1["counts"]["different"], p1["result"]) == (1, "violations")
    assert (p2["counts"]["not_yet_mirrored"], p2["result"]) == (3, "behind")

    table = run_verify(strait_bin, s.config_path, "--topics", topic)
    assert table.returncode == 1
    for line in (f"{topic}[0]: missing: source offset 100",
                 f"{topic}[0]: out of order: source offset 102 at target offset 102",
                 f"{topic}[0]: duplicated: source offset 103 at target offset 103",
                 f"{topic}[1]: different: source offset 100 at target offset 100"):
        assert line in table.stdout, table.stdout


def test_verify_skips_other_origins_with_identity_naming(dc1_dc2, strait, strait_bin):
    dc1, dc2 = dc1_dc2
    topic = unique("ident")
    for cluster in (dc1, dc2):
        create_topic(cluster.bootstrap(), topic, 2)
    produce(dc2.bootstrap(), topic, records(40, 2, "local"))  # dc2's own producer, before
    produce(dc1.bootstrap(), topic, records(200, 2))
    s = strait(clusters(dc1, dc2), [flow(topic, naming="identity")])
    wait_caught_up(s, [topic])
    produce(dc2.bootstrap(), topic, records(60, 2, "local-after"))  # and after, interleaved

    code, report = verify_json(strait_bin, s.config_path, "--topics", topic)
    assert code == 0, report
    assert (report["totals"]["matched"], report["totals"]["other_records"]) == (200, 100)
    assert all(p["remote_topic"] == topic for p in partitions_of(report).values())


def test_verify_exit_codes_for_usage_and_unreachable_clusters(dc1_dc2, strait, strait_bin, tmp_path):
    dc1, dc2 = dc1_dc2
    s = strait(clusters(dc1, dc2), [flow(unique("none"))], start=False)
    r = run_verify(strait_bin, s.config_path, "--flow", "dc2->dc1")
    assert r.returncode == 2
    assert "no flow dc2->dc1 (the flows are: dc1->dc2)" in r.stderr

    cl = clusters(dc1, dc2)
    cl["dc2"] = {"bootstrap.servers": "127.0.0.1:1"}
    down = strait(cl, [flow(unique("none"))], start=False)
    r = run_verify(strait_bin, down.config_path, "--json", "--timeout-ms", "3000")
    assert r.returncode == 3, r.stdout + r.stderr
    report = json.loads(r.stdout)
    assert report["result"] == "incomplete"
    assert "cannot reach dc2 at 127.0.0.1:1" in report["flows"][0]["error"]
