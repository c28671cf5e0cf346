"""Fixtures for the end-to-end suite: real Kafka clusters from the test bed, and the strait
binary built by CMake. Clusters live for the whole session (starting JVMs is the slow
part); every test uses its own topics and groups.

Files may run side by side (scripts/test.sh: pytest-xdist, one file per worker at a time).
Each worker is a session of its own with its own test bed: worker k uses the ports from
STRAIT_PORT_BASE + k * STRAIT_PORT_STRIDE (1500 by default: the bed's clusters take up to
1000, the demo's 500) and the root $STRAIT_E2E_ROOT/gwK."""

import os
import pathlib
import tempfile

import pytest

from strait_testbed import Certificate, ClusterSpec, Listener, SecuritySpec, TestBed

REPO = pathlib.Path(__file__).resolve().parent.parent

BUILD = pathlib.Path(os.environ.get("STRAIT_BUILD_DIR", REPO / "build"))
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1"... under xdist
PORT_STRIDE = int(os.environ.get("STRAIT_PORT_STRIDE", "1500"))

# Slowest first, so that side by side the long files do not end the run alone. Files not
# listed run after these, in name order.
SLOW_FILES = ["test_replication.py", "test_audit.py", "test_topologies.py", "test_failover.py",
              "test_faults.py", "test_security.py", "test_demo.py"]


def pytest_collection_modifyitems(items):
    def rank(item):
        name = item.path.name
        return (SLOW_FILES.index(name) if name in SLOW_FILES else len(SLOW_FILES), name)
    items.sort(key=rank)  # stable: a file's tests keep their order


@pytest.fixture(scope="session")
def port_base() -> int:
    """The first port of this session's block (see the module comment)."""
    worker = int(WORKER[2:]) if WORKER.startswith("gw") else 0
    return int(os.environ.get("STRAIT_PORT_BASE", "21000")) + worker * PORT_STRIDE


@pytest.fixture(scope="session")
def build_dir() -> pathlib.Path:
    if not (BUILD / "src" / "cli" / "strait").exists():
        pytest.fail(f"strait is not built in {BUILD}; run scripts/test.sh or cmake first")
    return BUILD


@pytest.fixture(scope="session")
def strait_bin(build_dir) -> pathlib.Path:
    return build_dir / "src" / "cli" / "strait"


@pytest.fixture(scope="session")
def bed(port_base):
    # scripts/test.sh sets STRAIT_E2E_ROOT and kills whatever carries it, even after a crash.
    root = pathlib.Path(os.environ.get("STRAIT_E2E_ROOT") or tempfile.mkdtemp(prefix="strait-e2e-"))
    if WORKER:
        root = root / WORKER
    tb = TestBed(root=root, port_base=port_base)
    try:
        yield tb
    finally:
        tb.down()


@pytest.fixture(scope="session")
def dc1_dc2(bed):
    """Two single-node clusters, dc1 and dc2."""
    missing = [ClusterSpec(a) for a in ("dc1", "dc2") if a not in bed.clusters]
    if missing:
        bed.up(*missing)
    return bed["dc1"], bed["dc2"]


@pytest.fixture(scope="session")
def four_dcs(bed, dc1_dc2):
    """dc1, dc2, dc3 and an aggregate cluster "agg", single-node each."""
    missing = [ClusterSpec(a) for a in ("dc3", "agg") if a not in bed.clusters]
    if missing:
        bed.up(*missing)
    return tuple(bed[a] for a in ("dc1", "dc2", "dc3", "agg"))


@pytest.fixture(scope="session")
def secured_dcs(bed):
    """sdc1 and sdc2: single-node clusters with SASL_SSL, mutual-TLS and TLS listeners and
    the StandardAuthorizer (testbed security.py). The user `mirror` may do anything."""
    from strait_testbed.secured import ALICE, EVE, MIRROR_PASSWORD, MIRROR_USER, grant_everything
    spec = SecuritySpec(users={MIRROR_USER: MIRROR_PASSWORD, ALICE[0]: ALICE[1], EVE[0]: EVE[1]})
    missing = [ClusterSpec(a, security=spec) for a in ("sdc1", "sdc2") if a not in bed.clusters]
    if missing:
        bed.up(*missing)
        for c in missing:
            grant_everything(bed[c.alias].bootstrap(), MIRROR_USER)
    return bed["sdc1"], bed["sdc2"]


@pytest.fixture(scope="session")
def broken_dc(bed):
    """sbad: a secured cluster whose UNTRUSTED, WRONGHOST and EXPIRED listeners (SASL_SSL)
    present broken certificates until a test replaces them; SECURE is sound."""
    from strait_testbed.secured import MIRROR_PASSWORD, MIRROR_USER, grant_everything
    if "sbad" not in bed.clusters:
        spec = SecuritySpec(users={MIRROR_USER: MIRROR_PASSWORD}, listeners=[
            Listener("SECURE", "SASL_SSL"),
            Listener("UNTRUSTED", "SASL_SSL", certificate=Certificate.UNTRUSTED),
            Listener("WRONGHOST", "SASL_SSL", certificate=Certificate.WRONG_HOST),
            Listener("EXPIRED", "SASL_SSL", certificate=Certificate.EXPIRED)])
        bed.up(ClusterSpec("sbad", security=spec))
        grant_everything(bed["sbad"].bootstrap(), MIRROR_USER)
    return bed["sbad"]


@pytest.fixture
def strait(strait_bin, bed, tmp_path):
    """Makes strait processes for one test: strait(clusters, flows) -> Strait, started.
    Every process is killed at the end of the test."""
    from strait_testbed.strait import Strait
    made = []

    def make(clusters, flows, start=True, log_level="info", http=None, env=None):
        s = Strait(strait_bin, tmp_path / f"strait{len(made)}", bed.marker, clusters, flows,
                   log_level=log_level, http=http, env=env)
        made.append(s)
        return s.start() if start else s

    yield make
    for s in made:
        s.close()
        print(f"--- strait log ({s.log_path}) ---\n{s.log_tail(60)}")
