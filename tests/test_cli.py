"""The command line: `strait check` and config errors as a user meets them."""

import subprocess

import pytest

from strait_testbed.kafka import create_topic, unique


def run(strait_bin, *args, timeout=60):
    return subprocess.run([str(strait_bin), *args], capture_output=True, text=True, timeout=timeout)


def write(tmp_path, text, name="strait.yaml"):
    p = tmp_path / name
    p.write_text(text)
    return p


@pytest.mark.parametrize("text,message", [
    ("clusters: [dc1\n", ":2:1: invalid YAML"),
    ("clusters:\n  dc1: { bootstrap.servers: a }\n  dc2: { bootstrap.servers: b }\n"
     "flows:\n  - source: dc1\n    target: dc3\n",
     ":6:13: flows[0].target: unknown cluster \"dc3\""),
    ("clusters:\n  dc1: { bootstrap.servers: a, linger.msec: 5 }\n  dc2: { bootstrap.servers: b }\n"
     "flows: [{source: dc1, target: dc2}]\n",
     ":2:32: clusters.dc1.linger.msec: No such configuration property"),
    ("clusters:\n  dc1: { bootstrap.servers: a }\n  dc2: { bootstrap.servers: b }\n"
     "flows: [{source: dc1, target: dc2, naming: mirror}]\n",
     ":4:44: flows[0].naming: expected \"prefix\" or \"identity\", got \"mirror\""),
])
def test_config_errors_name_file_line_key_and_exit_2(strait_bin, tmp_path, text, message):
    path = write(tmp_path, text)
    for command in ("check", "run"):
        r = run(strait_bin, command, "--config", str(path))
        assert r.returncode == 2, (command, r.stdout, r.stderr)
        assert f"{path}{message}" in r.stderr, r.stderr
        assert "strait started" not in r.stderr  # nothing started


def test_missing_config_file(strait_bin, tmp_path):
    r = run(strait_bin, "check", "--config", str(tmp_path / "nope.yaml"))
    assert r.returncode == 2
    assert "nope.yaml: cannot read the config file: No such file or directory" in r.stderr


def test_check_prints_the_plan(strait_bin, tmp_path, dc1_dc2):
    dc1, dc2 = dc1_dc2
    prefix = unique("plan")
    create_topic(dc1.bootstrap(), f"{prefix}-orders", 3)
    create_topic(dc1.bootstrap(), f"{prefix}-skip", 1)
    path = write(tmp_path, f"""clusters:
  dc1: {{ bootstrap.servers: "{dc1.bootstrap(wan=True)}" }}
  dc2: {{ bootstrap.servers: "{dc2.bootstrap()}" }}
flows:
  - source: dc1
    target: dc2
    topics: ["{prefix}-.*"]
    topics.exclude: [".*-skip"]
""")
    r = run(strait_bin, "check", "--config", str(path))
    assert r.returncode == 0, r.stderr
    assert f"{prefix}-orders" in r.stdout and f"dc1.{prefix}-orders" in r.stdout
    assert "will be created with 3 partitions" in r.stdout
    assert f"{prefix}-skip" not in r.stdout


def test_check_reports_an_unreachable_cluster(strait_bin, tmp_path, dc1_dc2):
    dc1, _ = dc1_dc2
    path = write(tmp_path, f"""clusters:
  dc1: {{ bootstrap.servers: "{dc1.bootstrap()}" }}
  dc9: {{ bootstrap.servers: "127.0.0.1:1" }}
flows: [{{source: dc1, target: dc9}}]
""")
    r = run(strait_bin, "check", "--config", str(path))
    assert r.returncode == 1
    assert "error: cannot reach cluster dc9 at 127.0.0.1:1" in r.stderr
