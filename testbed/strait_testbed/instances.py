"""Who mirrors what, when several `strait run` processes share a flow (config `group`): read
from each instance's /status. Shared by the end-to-end tests of group mode
(tests/test_instances.py) and the failover benchmark (bench/scenarios.py), which kill
instances and wait for the partitions to settle on the others."""

import urllib.error

FLOW = "dc1->dc2"


def owned(s, topic, flow=FLOW):
    """The partitions of `topic` this instance is mirroring now (None while it is down)."""
    try:
        return {p["partition"] for p in s.flow(flow)["partitions"]
                if p["topic"] == topic and p["state"] == "mirroring"}
    except (urllib.error.URLError, ConnectionError, OSError, KeyError):
        return None


def positions(s, topic, flow=FLOW):
    return {p["partition"]: p["next_source_offset"] for p in s.flow(flow)["partitions"]
            if p["topic"] == topic}


def split(instances, topic, partitions, flow=FLOW):
    """{instance index: partitions} once every partition is mirrored by exactly one of
    `instances`, else None."""
    shares = {i: owned(s, topic, flow) for i, s in enumerate(instances)}
    if any(v is None for v in shares.values()):
        return None
    every = [p for v in shares.values() for p in v]
    return shares if sorted(every) == list(range(partitions)) else None


def shared_by_all(instances, topic, partitions, flow=FLOW):
    """The split of `topic`, once every instance mirrors a share of the flow. The group also
    assigns the remote heartbeats topics (every `heartbeats` and `*.heartbeats` on the
    source: how many depends on the tests that ran before on the cluster), and its assignor
    balances partition counts, not topics: with two of them, one instance may hold those
    alone. busiest_first() picks the instance a test stops."""
    shares = split(instances, topic, partitions, flow)
    if not shares:
        return None
    try:
        mirroring = [any(p["state"] == "mirroring" for p in s.flow(flow)["partitions"])
                     for s in instances]
    except (urllib.error.URLError, ConnectionError, OSError, KeyError):
        return None
    return shares if all(mirroring) and any(shares.values()) else None


def busiest_first(instances, topic, flow=FLOW):
    """`instances` with the one mirroring the most partitions of `topic` first: the one a
    test kills or freezes, so that partitions of its topic move."""
    return sorted(instances, key=lambda s: -len(owned(s, topic, flow) or ()))
