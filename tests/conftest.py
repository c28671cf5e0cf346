"""Fixtures for the end-to-end suite: real Kafka clusters from the test bed, and the strait
binary built by CMake. Clusters live for the whole session (starting JVMs is the slow
part); every test uses its own topics and groups."""

import os
import pathlib
import sys
import tempfile

import pytest

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "testbed"))
sys.path.insert(0, str(REPO / "tests"))

from strait_testbed import ClusterSpec, TestBed  # noqa: E402

BUILD = pathlib.Path(os.environ.get("STRAIT_BUILD_DIR", REPO / "build"))


@pytest.fixture(scope="session")
def build_dir() -> pathlib.Path:
    if not (BUILD / "src" / "cli" / "strait").exists():
        pytest.fail(f"strait is not built in {BUILD}; run scripts/test.sh or cmake first")
    return BUILD


@pytest.fixture(scope="session")
def strait_bin(build_dir) -> pathlib.Path:
    return build_dir / "src" / "cli" / "strait"


@pytest.fixture(scope="session")
def bed():
    # scripts/test.sh sets STRAIT_E2E_ROOT and kills whatever carries it, even after a crash.
    root = pathlib.Path(os.environ.get("STRAIT_E2E_ROOT") or tempfile.mkdtemp(prefix="strait-e2e-"))
    base = int(os.environ.get("STRAIT_PORT_BASE", "21000"))
    tb = TestBed(root=root, port_base=base)
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


@pytest.fixture
def strait(strait_bin, bed, tmp_path):
    """Makes strait processes for one test: strait(clusters, flows) -> Strait, started.
    Every process is killed at the end of the test."""
    from strait_proc import Strait
    made = []

    def make(clusters, flows, start=True, log_level="info"):
        s = Strait(strait_bin, tmp_path / f"strait{len(made)}", bed.marker, clusters, flows,
                   log_level=log_level)
        made.append(s)
        return s.start() if start else s

    yield make
    for s in made:
        s.close()
        print(f"--- strait log ({s.log_path}) ---\n{s.log_tail(60)}")
