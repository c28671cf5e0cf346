"""strait against secured brokers: SASL_SSL listeners with SCRAM users and Kafka's
StandardAuthorizer enforcing ACLs (the test bed's security.py).

The tests' own clients use the brokers' plaintext LOCAL listeners as the super user
ANONYMOUS; only strait logs in, as the user `mirror`, which holds nothing but the ACLs
granted here."""

import pytest

from strait_testbed.kafka import Record, create_topic, produce, unique
from strait_testbed import ClusterSpec, SecuritySpec
from strait_testbed.security import acls, client_properties
from strait_testbed.verify import verify_topic

MIRROR_USER = "mirror"
MIRROR_PASSWORD = "mirror-pw-7f3a9c"


def records(n: int, partitions: int) -> list:
    return [Record(f"k{i}".encode(), f"v{i}".encode() * (1 + i % 5), [("n", str(i).encode())],
                   1_700_000_000_000 + i, partition=i % partitions) for i in range(n)]


def grant_everything(bootstrap: str, user: str):
    """Broad ACLs for `user`: enough to show the authorizer lets an authenticated principal
    through."""
    acls(bootstrap, "--add", "--allow-principal", f"User:{user}", "--operation", "All",
         "--topic", "*", "--group", "*", "--cluster")


@pytest.fixture(scope="session")
def scram_dcs(bed):
    """Two single-node clusters with SASL_SSL listeners, sdc1 and sdc2."""
    spec = SecuritySpec(users={MIRROR_USER: MIRROR_PASSWORD})
    missing = [ClusterSpec(a, security=spec) for a in ("sdc1", "sdc2") if a not in bed.clusters]
    if missing:
        bed.up(*missing)
        for c in missing:
            grant_everything(bed[c.alias].bootstrap(), MIRROR_USER)
    return bed["sdc1"], bed["sdc2"]


def secured(cluster, mechanism: str) -> dict:
    return {"bootstrap.servers": cluster.bootstrap(secure=True),
            **client_properties(cluster.ca, MIRROR_USER, MIRROR_PASSWORD, mechanism)}


def test_replicates_through_sasl_ssl_with_scram_sha_512(scram_dcs, strait):
    src, dst = scram_dcs
    topic = unique("scram")
    create_topic(src.bootstrap(), topic, 3)
    produce(src.bootstrap(), topic, records(3000, 3))
    s = strait({"sdc1": secured(src, "SCRAM-SHA-512"), "sdc2": secured(dst, "SCRAM-SHA-512")},
               [{"source": "sdc1", "target": "sdc2", "topics": [topic]}])
    s.tool_bootstrap = {"sdc1": src.bootstrap()}
    s.wait_caught_up("sdc1->sdc2", [topic])
    report = verify_topic(src.bootstrap(), topic, dst.bootstrap(), f"sdc1.{topic}")
    assert report.ok, str(report)
    assert report.source_records == report.target_records == 3000
    assert s.status()["flows"][0]["state"] == "running"
    assert MIRROR_PASSWORD not in s.log_text()
