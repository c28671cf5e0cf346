"""The README's demo keeps working: clusters, a producer, strait, live lag and throughput,
and a clean shutdown."""

import os
import pathlib
import subprocess
import sys

import pytest

@pytest.mark.parametrize("secure", [False, True], ids=["plain", "secure"])
def test_demo_runs_and_cleans_up(build_dir, tmp_path, port_base, secure):
    env = dict(os.environ, STRAIT_TESTBED_DIR=str(tmp_path / "demo"),
               STRAIT_BIN=str(build_dir / "src" / "cli" / "strait"),
               PYTHONPATH=str(pathlib.Path(__file__).resolve().parent.parent / "testbed"))
    r = subprocess.run([sys.executable, "-m", "strait_testbed.demo", "--seconds", "12",
                        "--port-base", str(port_base + 1000)] + (["--secure"] if secure else []),
                       env=env, capture_output=True, text=True, timeout=300)
    print(r.stdout, r.stderr)
    assert r.returncode == 0
    lines = [l.split() for l in r.stdout.splitlines() if l.strip() and l.split()[0].isdigit()]
    assert lines, "no live status lines"
    written, mirrored = int(lines[-1][1]), int(lines[-1][2])
    assert mirrored > 0 and mirrored >= written * 0.5
    assert "strait stopped with exit code 0" in r.stdout
    assert "nothing left running" in r.stdout
