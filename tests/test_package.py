"""The Debian package (scripts/package.sh, cmake/packaging.cmake): built with CPack, installed
on this machine with dpkg (which refuses it if a Depends is missing), checked (files, the
service user, the config directory's permissions, the systemd unit with
`systemd-analyze verify`), the installed binary run as the service user against the test
bed, then purged. Needs root; it refuses to touch a machine where strait is installed
already."""

import os
import pathlib
import pwd
import grp
import signal
import shutil
import stat
import subprocess
import urllib.request

import pytest
import yaml

from strait_testbed.e2e import records
from strait_testbed.kafka import consume_all, create_topic, produce, topic_names, unique, wait_for
from strait_testbed.strait import free_port


def run(*args, check=True, **kw) -> subprocess.CompletedProcess:
    r = subprocess.run(list(args), capture_output=True, text=True, timeout=300, **kw)
    if check:
        assert r.returncode == 0, f"{args}: {r.stdout}\n{r.stderr}"
    return r


def installed() -> bool:
    r = run("dpkg-query", "-W", "-f=${Status}", "strait", check=False)
    return "install ok installed" in r.stdout


@pytest.fixture
def package(build_dir):
    if os.geteuid() != 0:
        pytest.skip("installing a package needs root")
    assert not installed(), "strait is installed on this machine already; the test would remove it"
    run("cpack", "-G", "DEB", cwd=build_dir)
    debs = sorted(build_dir.glob("strait_*_*.deb"))
    assert debs, "cpack made no package"
    user_existed = any(u.pw_name == "strait" for u in pwd.getpwall())
    yield debs[-1]
    if installed():
        run("dpkg", "--purge", "strait", check=False)
    if not user_existed:
        run("deluser", "--system", "--quiet", "strait", check=False)


def test_package_installs_a_hardened_service_that_runs(package, dc1_dc2, bed):
    dc1, dc2 = dc1_dc2
    fields = run("dpkg-deb", "--field", str(package), "Depends").stdout
    assert "librdkafka" not in fields  # linked statically
    for lib in ("libssl3", "libsasl2-2", "libzstd1", "liblz4-1", "libyaml-cpp0.7", "libjemalloc2"):
        assert lib in fields, fields
    run("dpkg", "-i", str(package))
    assert installed()

    for path in ("/usr/bin/strait", "/lib/systemd/system/strait.service",
                 "/etc/strait/strait.yaml", "/usr/share/doc/strait/README.md",
                 "/usr/share/doc/strait/docs/operations.md",
                 "/usr/share/strait/monitoring/grafana/strait-dashboard.json",
                 "/usr/share/strait/monitoring/prometheus/strait-alerts.yml"):
        assert pathlib.Path(path).is_file(), path
    assert os.access("/usr/bin/strait", os.X_OK)
    user = pwd.getpwnam("strait")
    assert user.pw_uid < 1000 and user.pw_shell == "/usr/sbin/nologin" and \
        user.pw_dir == "/nonexistent", user
    assert grp.getgrgid(user.pw_gid).gr_name == "strait"
    conf = os.stat("/etc/strait")
    assert (conf.st_uid, grp.getgrgid(conf.st_gid).gr_name, stat.S_IMODE(conf.st_mode)) == \
        (0, "strait", 0o750)

    verify = run("systemd-analyze", "verify", "/lib/systemd/system/strait.service", check=False)
    assert verify.returncode == 0 and "strait.service" not in verify.stderr, verify.stderr
    unit = pathlib.Path("/lib/systemd/system/strait.service").read_text()
    for hardening in ("User=strait", "NoNewPrivileges=yes", "ProtectSystem=strict",
                      "ProtectHome=yes", "PrivateTmp=yes", "CapabilityBoundingSet=\n",
                      "SystemCallFilter=@system-service", "ExecReload=/bin/kill -HUP $MAINPID"):
        assert hardening in unit, hardening

    version = run("/usr/bin/strait", "--version").stdout
    assert version.startswith("strait 0.") and "librdkafka 2.15.1" in version, version
    assert "jemalloc 5." in version, version  # the allocator the binary actually runs with
    assert "librdkafka" not in run("ldd", "/usr/bin/strait").stdout
    # The example config is valid, and the service user can read it in its 0750 directory.
    run("runuser", "-u", "strait", "--", "/usr/bin/strait", "check", "--offline",
        "--config", "/etc/strait/strait.yaml")

    # The installed binary, as the service user, with the example config pointed at the bed.
    topic = unique("pkg")
    create_topic(dc1.bootstrap(), topic, 2)
    produce(dc1.bootstrap(), topic, records(200, 2))
    config = yaml.safe_load(pathlib.Path("/etc/strait/strait.yaml").read_text())
    config["clusters"] = {"dc1": {"bootstrap.servers": dc1.bootstrap()},
                          "dc2": {"bootstrap.servers": dc2.bootstrap()}}
    config["flows"][0]["topics"] = [topic]
    port = free_port()
    config["http"]["listen"] = f"127.0.0.1:{port}"
    pathlib.Path("/etc/strait/strait.yaml").write_text(yaml.safe_dump(config))
    # setpriv execs strait itself (runuser would stay in between as its parent).
    proc = subprocess.Popen(["setpriv", "--reuid=strait", "--regid=strait", "--init-groups",
                             "/usr/bin/strait", "run", "--config", "/etc/strait/strait.yaml"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env=dict(os.environ, STRAIT_TESTBED=bed.marker))
    try:
        wait_for(lambda: len(consume_all(dc2.bootstrap(), f"dc1.{topic}", timeout=10)) == 200
                 if f"dc1.{topic}" in _topics(dc2) else False, 120, "the installed strait to mirror")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            assert b"<!doctype html>" in r.read()
        owner = run("ps", "-o", "user=", "-p", str(proc.pid)).stdout.split()
        assert owner == ["strait"], owner
    finally:
        proc.send_signal(signal.SIGTERM)  # strait drains and exits 0
        out, _ = proc.communicate(timeout=90)
    assert proc.returncode == 0, out.decode(errors="replace")[-3000:]

    run("dpkg", "--purge", "strait")
    for path in ("/usr/bin/strait", "/lib/systemd/system/strait.service", "/etc/strait"):
        assert not os.path.exists(path), path


def _topics(cluster):
    return topic_names(cluster.bootstrap())
