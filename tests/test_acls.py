"""ACLs (docs/security.md): strait runs every feature with exactly the ACLs its documentation
lists, and copies ACLs of mirrored topics and translated groups to the target, where Kafka's
authorizer then enforces them."""

import shlex
import time
import uuid
from typing import Optional

from confluent_kafka import Consumer, KafkaException, TopicPartition
from confluent_kafka.admin import ConfigResource, NewPartitions

from strait_testbed.kafka import (QUIET, Record, admin, commit_offsets, create_topic, produce,
                                  topic_config, topic_partitions, unique, wait_for)
from strait_testbed.secured import ALICE, EVE, acl_lines, acls, entry, run, sasl, wait_acls
from strait_testbed.security import (documented_acls, grant_documented_acls,
                                     set_scram_password)
from strait_testbed.verify import verify_topic


def records(n: int, partitions: int, first: int = 0) -> list:
    now = int(time.time() * 1000)
    return [Record(f"k{i}".encode(), f"v{i}".encode(), [("n", str(i).encode())], now + i,
                   partition=i % partitions) for i in range(first, first + n)]


def commit(bootstrap: str, group: str, topic: str, offsets: dict):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                  **QUIET})
    try:
        commit_offsets(c, [TopicPartition(topic, p, o) for p, o in offsets.items()])
    finally:
        c.close()


def test_runs_with_exactly_the_documented_acls(secured_dcs, strait, strait_bin):
    src, dst = secured_dcs
    tag = uuid.uuid4().hex[:6]
    user, password = f"least{tag}", f"least-pw-{tag}"
    topics, groups = f"lp{tag}-", f"lpg{tag}-"
    for cluster in (src, dst):
        set_scram_password(cluster.bootstrap(), user, password)
    clusters_of = {"source": src.bootstrap(), "target": dst.bootstrap(), "audited": src.bootstrap()}
    assert {row[0] for row in documented_acls()} == set(clusters_of)
    granted = grant_documented_acls(clusters_of, f"User:{user}",
                                    {"<source>": "sdc1", "<target>": "sdc2", "<topics>": topics,
                                     "<groups>": groups})
    assert granted >= 10
    topic, group = f"{topics}orders", f"{groups}billing"
    create_topic(src.bootstrap(), topic, 3)
    produce(src.bootstrap(), topic, records(900, 3))
    commit(src.bootstrap(), group, topic, {0: 100, 1: 200, 2: 300})
    acls(src.bootstrap(), "--add", "--allow-principal", "User:alice", "--operation", "Read",
         "--topic", topic)
    clusters = {"sdc1": sasl(src, "SCRAM-SHA-512", user, password),
                "sdc2": sasl(dst, "SCRAM-SHA-256", user, password)}
    flow = {"source": "sdc1", "target": "sdc2", "topics": [f"{topics}.*"], "groups": [f"{groups}.*"],
            "refresh.interval.ms": 2000, "checkpoint.interval.ms": 1000,
            "sync.acls.interval.ms": 2000}
    s = strait(clusters, [flow], start=False)
    r = run(strait_bin, "check", "--config", s.config_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "ACLs: everything the flow needs is granted" in r.stdout

    s.start()
    s.tool_bootstrap = {"sdc1": src.bootstrap()}
    remote = f"sdc1.{topic}"
    s.wait_caught_up("sdc1->sdc2", [topic])
    # Config sync and a partition increase.
    client = admin(src.bootstrap())
    res = ConfigResource(ConfigResource.Type.TOPIC, topic, set_config={"retention.ms": "7300000"})
    client.alter_configs([res])[res].result(30)
    client.create_partitions([NewPartitions(topic, 4)])[topic].result(30)
    wait_for(lambda: topic_partitions(dst.bootstrap(), remote) == 4, 60, "the partition increase")
    wait_for(lambda: topic_config(dst.bootstrap(), remote)["retention.ms"] == "7300000", 60,
             "the config change")
    produce(src.bootstrap(), topic, records(400, 4, first=900))
    s.wait_caught_up("sdc1->sdc2", [topic])
    report = verify_topic(src.bootstrap(), topic, dst.bootstrap(), remote)
    assert report.ok and report.target_records == 1300, str(report)
    # Checkpoints and group sync, heartbeats with the end-to-end lag, ACL sync.
    wait_for(lambda: any(g["group"] == group and g["state"] == "synced"
                         for g in s.flow("sdc1->sdc2")["groups"]), 120, f"{group} synced")
    wait_for(lambda: s.status()["topology"]["edges"][0]["lag_seconds"] is not None, 120,
             "a source heartbeat mirrored to the target")
    wait_acls(dst.bootstrap(), ["--topic", remote],
              lambda lines: entry("User:alice", "READ") in lines)
    f = s.flow("sdc1->sdc2")
    assert f["checkpoints_written"] > 0
    assert f["heartbeats_written"] > 0 and f["heartbeats_written_to_source"] > 0
    assert f["acls"]["state"] == "synced", f["acls"]
    assert f["source_error"] == f["target_error"] == ""
    assert all(t["error"] == "" for t in f["topics"]), f["topics"]
    assert all(p["error"] == "" for p in f["partitions"]), f["partitions"]
    assert s.status()["topology"]["edges"][0]["heartbeat_error"] == ""
    log = s.log_text()
    assert "denied" not in log and "AUTHORIZATION_FAILED" not in log, s.log_tail(30)

    # The DC-loss audit of the source, as the same principal.
    props = clusters["sdc1"]
    r = run(strait_bin, "audit", "--bootstrap-servers", props["bootstrap.servers"],
            *[a for k, v in props.items() if k != "bootstrap.servers" for a in ("-X", f"{k}={v}")],
            "--format", "json")
    assert r.returncode in (0, 3, 4, 5), r.stdout + r.stderr  # a verdict, not a failure
    assert "denied" not in r.stdout + r.stderr and topic in r.stdout, r.stdout[:2000] + r.stderr


def read_outcome(cluster, user: str, password: str, topic: str, group: str,
                 timeout: float = 15) -> Optional[str]:
    """"read" or "denied": what the authorizer lets `user` do with `topic` through the
    SASL_SSL listener (PLAIN: Debian's librdkafka cannot log in with SCRAM to Kafka 4); None
    when nothing came back within `timeout`. The consumer finds the coordinator of `group`,
    which needs READ on that group."""
    c = Consumer({"bootstrap.servers": cluster.bootstrap(secure=True),
                  "security.protocol": "SASL_SSL", "sasl.mechanism": "PLAIN",
                  "sasl.username": user, "sasl.password": password,
                  "ssl.ca.location": str(cluster.ca.cert), "group.id": group,
                  "enable.auto.commit": False, **QUIET})
    try:
        # Without even DESCRIBE the topic is hidden: metadata says so, fetches say nothing.
        error = c.list_topics(topic, timeout=timeout).topics[topic].error
        if error is not None and error.name() == "TOPIC_AUTHORIZATION_FAILED":
            return "denied"
        c.assign([TopicPartition(topic, 0, 0)])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = c.poll(1)
            if m is None:
                continue
            if m.error():
                if m.error().name() == "TOPIC_AUTHORIZATION_FAILED":
                    return "denied"
                raise KafkaException(m.error())
            return "read"
        return None
    finally:
        c.close()


def wait_outcome(cluster, user, topic, group, outcome: str):
    wait_for(lambda: read_outcome(cluster, *user, topic, group) == outcome, 120,
             f"{user[0]}'s access to {topic} to be {outcome}")


def test_acls_of_mirrored_topics_and_groups_follow_the_source(secured_dcs, strait):
    src, dst = secured_dcs
    tag = uuid.uuid4().hex[:6]
    topic, group, unmirrored = f"acl{tag}-orders", f"acl{tag}-billing", f"acl{tag}-private"
    for t in (topic, unmirrored):
        create_topic(src.bootstrap(), t, 1)
        produce(src.bootstrap(), t, records(50, 1))
    remote = f"sdc1.{topic}"
    b = src.bootstrap()
    acls(b, "--add", "--allow-principal", f"User:{ALICE[0]}", "--operation", "Read", "--topic", topic)
    acls(b, "--add", "--allow-principal", "User:bob", "--operation", "All", "--topic", topic)
    acls(b, "--add", "--allow-principal", "User:carol", "--operation", "Write", "--topic", topic)
    acls(b, "--add", "--deny-principal", f"User:{EVE[0]}", "--operation", "Read", "--topic", topic)
    acls(b, "--add", "--allow-principal", f"User:{EVE[0]}", "--operation", "Read",
         "--topic", f"acl{tag}-", "--resource-pattern-type", "prefixed")
    acls(b, "--add", "--allow-principal", "User:frank", "--operation", "Read",
         "--topic", unmirrored)
    for user in (ALICE[0], EVE[0]):
        acls(b, "--add", "--allow-principal", f"User:{user}", "--operation", "Read",
             "--group", group)
    s = strait({"sdc1": sasl(src), "sdc2": sasl(dst)},
               [{"source": "sdc1", "target": "sdc2", "topics": [topic], "groups": [group],
                 "sync.acls.interval.ms": 1000, "sync.group.acls": True}])
    s.tool_bootstrap = {"sdc1": src.bootstrap()}
    s.wait_caught_up("sdc1->sdc2", [topic])

    lines = wait_acls(dst.bootstrap(), ["--topic", remote],
                      lambda ls: entry(f"User:{ALICE[0]}", "READ") in ls)
    assert entry("User:bob", "READ") in lines           # ALL is copied as READ
    assert entry(f"User:{EVE[0]}", "READ", "DENY") in lines
    assert not any("User:carol" in line for line in lines)  # WRITE is not copied
    assert entry(f"User:{EVE[0]}", "READ") in acl_lines(
        dst.bootstrap(), "--topic", f"sdc1.acl{tag}-", "--resource-pattern-type", "prefixed")
    assert entry(f"User:{ALICE[0]}", "READ") in acl_lines(dst.bootstrap(), "--group", group)
    assert acl_lines(dst.bootstrap(), "--topic", f"sdc1.{unmirrored}") == []
    # Enforced by the target's authorizer, with the group ACLs copied too: alice reads the
    # remote topic; eve's DENY wins over her prefixed ALLOW, as at the source.
    wait_outcome(dst, ALICE, remote, group, "read")
    wait_outcome(dst, EVE, remote, group, "denied")

    # Revoked at the source, revoked at the target; granted at the source, granted there.
    acls(b, "--remove", "--allow-principal", f"User:{ALICE[0]}", "--operation", "Read",
         "--topic", topic)
    acls(b, "--add", "--allow-principal", "User:dave", "--operation", "Describe", "--topic", topic)
    lines = wait_acls(dst.bootstrap(), ["--topic", remote],
                      lambda ls: entry("User:dave", "DESCRIBE") in ls
                      and entry(f"User:{ALICE[0]}", "READ") not in ls)
    assert entry("User:bob", "READ") in lines
    wait_outcome(dst, ALICE, remote, group, "denied")
    status = s.flow("sdc1->sdc2")["acls"]
    assert status["state"] == "synced" and status["removed_total"] >= 1, status
    assert s.metric("strait_acl_sync_failing", flow="sdc1->sdc2") == 0


def test_acl_sync_is_off_by_config(secured_dcs, strait):
    src, dst = secured_dcs
    topic = unique("noaclsync")
    create_topic(src.bootstrap(), topic, 1)
    produce(src.bootstrap(), topic, records(10, 1))
    acls(src.bootstrap(), "--add", "--allow-principal", f"User:{ALICE[0]}", "--operation", "Read",
         "--topic", topic)
    s = strait({"sdc1": sasl(src), "sdc2": sasl(dst)},
               [{"source": "sdc1", "target": "sdc2", "topics": [topic], "sync.topic.acls": False}])
    s.tool_bootstrap = {"sdc1": src.bootstrap()}
    s.wait_caught_up("sdc1->sdc2", [topic])
    assert s.flow("sdc1->sdc2")["acls"] == {"state": "off"}
    assert acl_lines(dst.bootstrap(), "--topic", f"sdc1.{topic}") == []
    assert s.metric("strait_acls_mirrored", flow="sdc1->sdc2") is None


def test_acl_sync_without_describe_on_the_source_says_so_and_removes_nothing(secured_dcs, strait):
    """librdkafka answers a DescribeAcls that the authorizer denied with an empty list; ACL
    sync must not take that for "every ACL was revoked" and empty the target."""
    src, dst = secured_dcs
    tag = uuid.uuid4().hex[:6]
    user, password = f"blind{tag}", f"blind-pw-{tag}"
    topic = f"blind{tag}-orders"
    remote = f"sdc1.{topic}"
    for cluster in (src, dst):
        set_scram_password(cluster.bootstrap(), user, password)
    # Everything but DESCRIBE on the source cluster.
    acls(src.bootstrap(), "--add", "--allow-principal", f"User:{user}", "--operation", "All",
         "--topic", "*", "--group", "*")
    acls(dst.bootstrap(), "--add", "--allow-principal", f"User:{user}", "--operation", "All",
         "--topic", "*", "--group", "*", "--cluster")
    create_topic(src.bootstrap(), topic, 1)
    produce(src.bootstrap(), topic, records(20, 1))
    acls(src.bootstrap(), "--add", "--allow-principal", f"User:{ALICE[0]}", "--operation", "Read",
         "--topic", topic)
    # A copy an earlier round made, when strait could still read the source's ACLs.
    acls(dst.bootstrap(), "--add", "--allow-principal", f"User:{ALICE[0]}", "--operation", "Read",
         "--topic", remote)
    s = strait({"sdc1": sasl(src, user=user, password=password),
                "sdc2": sasl(dst, user=user, password=password)},
               [{"source": "sdc1", "target": "sdc2", "topics": [topic],
                 "sync.acls.interval.ms": 1000}])
    s.tool_bootstrap = {"sdc1": src.bootstrap()}
    s.wait_caught_up("sdc1->sdc2", [topic])
    expected = f"cluster sdc1 denied User:{user} DESCRIBE on the cluster"
    status = wait_for(lambda: (lambda a: a if expected in a.get("detail", "") else None)(
        s.flow("sdc1->sdc2")["acls"]), 60, "the ACL sync error")
    assert status["state"] == "error" and status["removed_total"] == 0, status
    assert s.metric("strait_acl_sync_failing", flow="sdc1->sdc2") == 1
    assert entry(f"User:{ALICE[0]}", "READ") in acl_lines(dst.bootstrap(), "--topic", remote)
    assert expected in s.log_text()


def test_check_in_group_mode_names_the_missing_group_and_transactional_id_acls(
        secured_dcs, strait, strait_bin):
    """Several instances need, on the target, their group and their transactional ids:
    `strait check` says which ACL is missing and how to grant it, and the printed commands
    are exactly what it takes."""
    src, dst = secured_dcs
    tag = uuid.uuid4().hex[:6]
    user, password = f"grp{tag}", f"grp-pw-{tag}"
    for cluster in (src, dst):
        set_scram_password(cluster.bootstrap(), user, password)
    topics, groups = f"gm{tag}-", f"gmg{tag}-"
    grant_documented_acls({"source": src.bootstrap(), "target": dst.bootstrap()}, f"User:{user}",
                          {"<source>": "sdc1", "<target>": "sdc2", "<topics>": topics,
                           "<groups>": groups})
    create_topic(src.bootstrap(), f"{topics}orders", 2)
    clusters = {"sdc1": sasl(src, "SCRAM-SHA-512", user, password),
                "sdc2": sasl(dst, "SCRAM-SHA-256", user, password)}
    s = strait(clusters, [{"source": "sdc1", "target": "sdc2", "topics": [f"{topics}.*"],
                           "groups": [f"{groups}.*"]}], start=False)
    s.write_config(group={"enabled": True, "prefix": f"gm{tag}."})

    r = run(strait_bin, "check", "--config", s.config_path)
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert password not in out
    missing = [line.strip() for line in r.stdout.splitlines() if "missing ACL:" in line]
    group, ids = f"gm{tag}.sdc1.sdc2", f"gm{tag}.sdc1.sdc2."
    assert any(f"cluster sdc2 denied User:{user} READ on group {group}" in m for m in missing), out
    fix = (f"kafka-acls --bootstrap-server <broker> --add --allow-principal 'User:{user}' "
           f"--operation Write --transactional-id '{ids}' --resource-pattern-type prefixed")
    assert any(f"cluster sdc2 denied User:{user} WRITE on transactional ids starting with {ids}"
               in m and m.endswith(f"grant it with: {fix} (needed for several instances "
                                   f"(group mode))") for m in missing), out
    assert len(missing) == 3, missing  # the group's READ and DESCRIBE, the ids' WRITE

    for m in missing:  # what the lines say to run, as they say it
        command = m.split("grant it with: ", 1)[1].rsplit(" (needed for", 1)[0]
        acls(dst.bootstrap(), *shlex.split(command.split("<broker> ", 1)[1]))
    r = run(strait_bin, "check", "--config", s.config_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "ACLs: everything the flow needs is granted" in r.stdout
