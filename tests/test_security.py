"""strait against secured brokers (docs/security.md): every mechanism end to end, one clear
error per cause that goes away by itself once the cause is fixed, no secret in any output,
and strait's own HTTP endpoint behind TLS and a bearer token.

The clusters (conftest.py: secured_dcs, broken_dc) have SASL_SSL, mutual-TLS and TLS
listeners, SCRAM and PLAIN users and the StandardAuthorizer. The tests' own clients use the
plaintext LOCAL listeners as the super user ANONYMOUS; only strait logs in through the
secured ones."""

import json
import os
import pathlib
import ssl
import time
import urllib.error

import pytest

from strait_testbed import Certificate
from strait_testbed.kafka import Record, create_topic, produce, unique, wait_for
from strait_testbed.secured import MIRROR_USER, acls, grant_everything, mtls, run, sasl, tls
from strait_testbed.security import set_scram_password
from strait_testbed.verify import verify_topic

RECOVERY = 240  # a cluster is retried with backoff up to 30 s; the fix itself takes a while


def records(n: int, partitions: int) -> list:
    # Current timestamps: the test bed's retention deletes old ones within seconds.
    now = int(time.time() * 1000)
    return [Record(f"k{i}".encode(), f"v{i}".encode() * (1 + i % 5), [("n", str(i).encode())],
                   now + i, partition=i % partitions) for i in range(n)]


def filled_topic(cluster, prefix: str, n: int = 3000, partitions: int = 3) -> str:
    topic = unique(prefix)
    create_topic(cluster.bootstrap(), topic, partitions)
    produce(cluster.bootstrap(), topic, records(n, partitions))
    return topic


def assert_mirrored(src, topic: str, dst, src_alias: str, n: int):
    report = verify_topic(src.bootstrap(), topic, dst.bootstrap(), f"{src_alias}.{topic}")
    assert report.ok, str(report)
    assert report.source_records == report.target_records == n


# ---- every mechanism ------------------------------------------------------------------

def test_replicates_through_sasl_ssl_with_scram_sha_512(secured_dcs, strait):
    src, dst = secured_dcs
    topic = filled_topic(src, "scram")
    s = strait({"sdc1": sasl(src), "sdc2": sasl(dst)},
               [{"source": "sdc1", "target": "sdc2", "topics": [topic]}])
    s.tool_bootstrap = {"sdc1": src.bootstrap()}
    s.wait_caught_up("sdc1->sdc2", [topic])
    assert_mirrored(src, topic, dst, "sdc1", 3000)
    assert s.status()["flows"][0]["state"] == "running"


@pytest.mark.parametrize("source_mechanism,target_listener", [
    ("SCRAM-SHA-256", "MTLS"),  # SCRAM over TLS from the source, a client certificate to the target
    ("PLAIN", "TLS"),           # PLAIN over TLS from the source, server verification only
])
def test_source_and_target_each_with_its_own_mechanism(secured_dcs, strait, source_mechanism,
                                                       target_listener):
    src, dst = secured_dcs
    topic = filled_topic(src, source_mechanism.lower())
    target = mtls(dst) if target_listener == "MTLS" else tls(dst)
    s = strait({"sdc1": sasl(src, source_mechanism), "sdc2": target},
               [{"source": "sdc1", "target": "sdc2", "topics": [topic]}])
    s.tool_bootstrap = {"sdc1": src.bootstrap()}
    s.wait_caught_up("sdc1->sdc2", [topic])
    assert_mirrored(src, topic, dst, "sdc1", 3000)
    assert s.flow("sdc1->sdc2")["target_error"] == ""


# ---- clear failures that recover without a restart ------------------------------------

def check(strait_bin, s) -> str:
    """`strait check` on the running instance's config: exit code 1, both output streams."""
    r = run(strait_bin, "check", "--config", s.config_path, env=dict(os.environ, **s.env))
    assert r.returncode == 1, r.stdout + r.stderr
    return r.stdout + r.stderr


def assert_logged(s, words):
    """strait itself logged a line with every one of `words` (librdkafka's own repeats of a
    refused handshake or login are debug lines)."""
    lines = [line for line in s.log_text().splitlines() if all(w in line for w in words)]
    assert lines, f"no log line with {words}:\n{s.log_tail(20)}"


def wait_error(s, flow: str, side: str, words, timeout: float = 120) -> str:
    def error():
        e = s.flow(flow)[f"{side}_error"]
        return e if all(w in e for w in words) else None
    return wait_for(error, timeout, f"{side}_error of {flow} to say {words}")


BROKEN = {  # listener of broken_dc -> what the error must say
    "UNTRUSTED": ["TLS: the certificate of broker 127.0.0.1:", "is not trusted",
                  "its issuer CN=stranger-ca is not among ssl.ca.location"],
    "WRONGHOST": ["TLS: the certificate of broker 127.0.0.1:", "does not name 127.0.0.1",
                  "hostname mismatch", "DNS:kafka.elsewhere.example"],
    "EXPIRED": ["TLS: the certificate of broker 127.0.0.1:", "expired on",
                "renew it on the broker"],
}


@pytest.mark.parametrize("listener", list(BROKEN))
def test_broken_broker_certificate_is_named_and_mirroring_resumes_once_replaced(
        secured_dcs, broken_dc, strait, strait_bin, listener):
    src, _ = secured_dcs
    topic = filled_topic(src, listener.lower(), n=500)
    s = strait({"sdc1": sasl(src), "sbad": sasl(broken_dc, listener=listener)},
               [{"source": "sdc1", "target": "sbad", "topics": [topic]}])
    s.tool_bootstrap = {"sdc1": src.bootstrap()}
    error = wait_error(s, "sdc1->sbad", "target", ["cannot reach sbad at", *BROKEN[listener]])
    assert_logged(s, ["component=flow", "cannot reach sbad at", *BROKEN[listener]])
    out = check(strait_bin, s)
    assert "cannot reach cluster sbad" in out and all(w in out for w in BROKEN[listener]), out
    assert "SSL handshake failed" not in error, "the generic text instead of the cause"

    broken_dc.replace_certificate(listener, Certificate.GOOD)
    s.wait_caught_up("sdc1->sbad", [topic], timeout=RECOVERY)
    assert_mirrored(src, topic, broken_dc, "sdc1", 500)
    assert s.flow("sdc1->sbad")["target_error"] == ""
    assert s.starts == 1 and s.proc.poll() is None


def test_refused_client_certificate_is_named_and_a_renewed_one_is_picked_up(
        secured_dcs, strait, strait_bin, tmp_path):
    src, dst = secured_dcs
    topic = filled_topic(src, "clientcert", n=500)
    # A certificate for the right user from a CA the brokers do not trust...
    rogue = dst.stranger_ca.issue("client-mirror-rogue", sans=["DNS:mirror.clients.testbed"],
                                  subject=f"/CN={MIRROR_USER}")
    cert, key = tmp_path / "strait.crt", tmp_path / "strait.key"
    cert.write_text(rogue.with_suffix(".crt").read_text())
    key.write_text(rogue.with_suffix(".key").read_text())
    target = {**mtls(dst), "ssl.certificate.location": str(cert), "ssl.key.location": str(key)}
    s = strait({"sdc1": sasl(src), "sdc2": target},
               [{"source": "sdc1", "target": "sdc2", "topics": [topic]}])
    s.tool_bootstrap = {"sdc1": src.bootstrap()}
    words = ["TLS: the broker refused the connection: the brokers do not trust strait's client "
             "certificate", f"User:CN={MIRROR_USER}"]
    wait_error(s, "sdc1->sdc2", "target", ["cannot reach sdc2 at", *words])
    assert_logged(s, ["component=flow", "cannot reach sdc2 at", *words])
    out = check(strait_bin, s)
    assert "cannot reach cluster sdc2" in out and all(w in out for w in words), out

    # ... renewed in place by the operator: strait reads it when it reconnects.
    good = mtls(dst)
    cert.write_text(pathlib.Path(good["ssl.certificate.location"]).read_text())
    key.write_text(pathlib.Path(good["ssl.key.location"]).read_text())
    s.wait_caught_up("sdc1->sdc2", [topic], timeout=RECOVERY)
    assert_mirrored(src, topic, dst, "sdc1", 500)
    assert s.flow("sdc1->sdc2")["target_error"] == ""
    assert s.starts == 1 and s.proc.poll() is None


def test_wrong_password_is_named_and_mirroring_resumes_once_it_matches(
        secured_dcs, broken_dc, strait, strait_bin):
    src, _ = secured_dcs
    topic = filled_topic(src, "password", n=500)
    user = unique("rotated")
    set_scram_password(broken_dc.bootstrap(), user, "the-old-password-1", ["SCRAM-SHA-512"])
    grant_everything(broken_dc.bootstrap(), user)
    s = strait({"sdc1": sasl(src),
                "sbad": sasl(broken_dc, user=user, password="the-new-password-2")},
               [{"source": "sdc1", "target": "sbad", "topics": [topic]}])
    s.tool_bootstrap = {"sdc1": src.bootstrap()}
    words = [f"authentication as User:{user} with SCRAM-SHA-512 failed",
             "invalid credentials", "check the user name and password"]
    wait_error(s, "sdc1->sbad", "target", ["cannot reach sbad at", *words])
    assert_logged(s, ["component=flow", "cannot reach sbad at", *words])
    out = check(strait_bin, s)
    assert "cannot reach cluster sbad" in out and words[0] in out, out

    set_scram_password(broken_dc.bootstrap(), user, "the-new-password-2", ["SCRAM-SHA-512"])
    s.wait_caught_up("sdc1->sbad", [topic], timeout=RECOVERY)
    assert_mirrored(src, topic, broken_dc, "sdc1", 500)
    assert s.flow("sdc1->sbad")["target_error"] == ""
    assert s.starts == 1 and s.proc.poll() is None


def test_missing_acl_names_operation_resource_and_principal_and_recovers_once_granted(
        secured_dcs, strait, strait_bin):
    src, dst = secured_dcs
    topic = filled_topic(src, "noacl", n=600)
    remote = f"sdc1.{topic}"
    user, password = unique("narrow"), "narrow-pw-4d2c"
    for cluster in (src, dst):
        set_scram_password(cluster.bootstrap(), user, password, ["SCRAM-SHA-512"])
    grant_everything(src.bootstrap(), user)
    # Everything on the target but WRITE on the remote topic.
    principal = f"User:{user}"
    acls(dst.bootstrap(), "--add", "--allow-principal", principal, "--operation", "Create",
         "--operation", "Read", "--operation", "DescribeConfigs", "--operation", "AlterConfigs",
         "--operation", "Alter", "--topic", "sdc1.", "--resource-pattern-type", "prefixed")
    acls(dst.bootstrap(), "--add", "--allow-principal", principal, "--operation", "All",
         "--topic", "heartbeats", "--topic", "sdc1.heartbeats", "--topic",
         "sdc1.checkpoints.internal", "--group", "*", "--cluster")
    s = strait({"sdc1": sasl(src, user=user, password=password),
                "sdc2": sasl(dst, user=user, password=password)},
               [{"source": "sdc1", "target": "sdc2", "topics": [topic],
                 "partition.retry.backoff.ms": 1000}])
    s.tool_bootstrap = {"sdc1": src.bootstrap()}
    expected = f"cluster sdc2 denied User:{user} WRITE on topic {remote} (TOPIC_AUTHORIZATION_FAILED)"

    def denied():
        parts = [p for p in s.flow("sdc1->sdc2")["partitions"] if p["topic"] == topic]
        return parts if parts and all(expected in p["error"] for p in parts) else None
    parts = wait_for(denied, 120, f"every partition of {topic} to say {expected}")
    assert f"--allow-principal 'User:{user}' --operation Write --topic '{remote}'" in parts[0]["error"]
    assert_logged(s, ["component=data", "partition stopped", expected])
    out = check(strait_bin, s)
    assert f"missing ACL: cluster sdc2 denied User:{user} WRITE on topic {remote}" in out, out

    acls(dst.bootstrap(), "--add", "--allow-principal", principal, "--operation", "Write",
         "--topic", remote)
    s.wait_caught_up("sdc1->sdc2", [topic], timeout=RECOVERY)
    assert_mirrored(src, topic, dst, "sdc1", 600)
    assert s.starts == 1 and s.proc.poll() is None


# ---- secrets --------------------------------------------------------------------------

SOURCE_PASSWORD = "Src-Pw-5ecret-Zq81x"   # from a file
TARGET_PASSWORD = "Tgt-Pw-5ecret-Mv42y"   # from the environment
WRONG_PASSWORD = "Wrong-Pw-5ecret-Kk07z"  # inline, and refused by the brokers
INLINE_PASSWORD = "Inline-Pw-5ecret-Jh33w"  # inline, in a config with an error
TOKEN = "Http-T0ken-5ecret-Rr19q"


def test_no_secret_reaches_any_output(secured_dcs, strait, strait_bin, tmp_path):
    src, dst = secured_dcs
    user = unique("secretive")
    set_scram_password(src.bootstrap(), user, SOURCE_PASSWORD, ["SCRAM-SHA-512"])
    set_scram_password(dst.bootstrap(), user, TARGET_PASSWORD, ["SCRAM-SHA-512"])
    for cluster in (src, dst):
        grant_everything(cluster.bootstrap(), user)
    topic = filled_topic(src, "secret", n=300)
    password_file = tmp_path / "sdc1-password"
    password_file.write_text(SOURCE_PASSWORD + "\n")
    env = {"STRAIT_TEST_SDC2_PASSWORD": TARGET_PASSWORD}
    clusters = {"sdc1": sasl(src, user=user, password=f"${{file:{password_file}}}"),
                "sdc2": sasl(dst, user=user, password="${env:STRAIT_TEST_SDC2_PASSWORD}")}
    flows = [{"source": "sdc1", "target": "sdc2", "topics": [topic]}]
    s = strait(clusters, flows, http={"token": TOKEN}, env=env)
    s.tool_bootstrap = {"sdc1": src.bootstrap()}
    s.wait_caught_up("sdc1->sdc2", [topic])
    outputs = {"/status": json.dumps(s.status()), "/metrics": s.metrics()}
    full_env = dict(os.environ, **env)
    r = run(strait_bin, "check", "--config", s.config_path, env=full_env)
    assert r.returncode == 0, r.stdout + r.stderr
    outputs["check"] = r.stdout + r.stderr
    r = run(strait_bin, "status", "--config", s.config_path, env=full_env)
    assert r.returncode == 0 and "sdc1->sdc2" in r.stdout, r.stdout + r.stderr
    outputs["status"] = r.stdout + r.stderr

    # A password the brokers refuse: its errors in /status, the log and check.
    wrong = strait({**clusters, "sdc2": sasl(dst, user=user, password=WRONG_PASSWORD)}, flows,
                   http={"token": TOKEN}, env=env)
    outputs["/status, wrong password"] = wait_error(wrong, "sdc1->sdc2", "target",
                                                    [f"authentication as User:{user}"])
    r = run(strait_bin, "check", "--config", wrong.config_path, env=full_env)
    assert r.returncode == 1 and "authentication as" in r.stdout + r.stderr
    outputs["check, wrong password"] = r.stdout + r.stderr

    # A config error in a file that holds secrets.
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"""clusters:
  sdc1: {{bootstrap.servers: "{src.bootstrap()}", sasl.password: "{INLINE_PASSWORD}",
          security.protocol: "{INLINE_PASSWORD}"}}
  sdc2: {{bootstrap.servers: "{dst.bootstrap()}", ssl.key.password: "{INLINE_PASSWORD}x"}}
flows: [{{source: sdc1, target: sdc2}}]
http: {{token: "{TOKEN}"}}
""")
    r = run(strait_bin, "check", "--config", bad, env=full_env)
    assert r.returncode == 2 and "clusters.sdc1.security.protocol" in r.stderr, r.stderr
    outputs["config error"] = r.stdout + r.stderr

    s.stop()
    wrong.stop()
    outputs["log"] = s.log_text()
    outputs["log, wrong password"] = wrong.log_text()
    for name, text in outputs.items():
        assert text.strip(), f"{name} is empty: nothing was checked"
        for secret in (SOURCE_PASSWORD, TARGET_PASSWORD, WRONG_PASSWORD, INLINE_PASSWORD, TOKEN):
            assert secret not in text, f"{secret} appears in {name}"


# ---- the HTTP endpoint ----------------------------------------------------------------

def test_http_endpoint_serves_tls_and_wants_the_token_except_for_healthz(
        secured_dcs, strait, strait_bin):
    src, dst = secured_dcs
    pem = src.ca.issue("strait-http")  # for 127.0.0.1, signed by the bed's CA
    topic = filled_topic(src, "http", n=100)
    s = strait({"sdc1": sasl(src), "sdc2": sasl(dst)},
               [{"source": "sdc1", "target": "sdc2", "topics": [topic]}],
               http={"tls.certificate": str(pem.with_suffix(".crt")),
                     "tls.key": str(pem.with_suffix(".key")), "tls.ca": str(src.ca.cert),
                     "token": TOKEN})
    s.tool_bootstrap = {"sdc1": src.bootstrap()}
    with s.open("/healthz", token="") as r:
        assert r.status == 200 and r.read() == b"ok\n"
    for path in ("/status", "/metrics"):
        for token in ("", "Http-T0ken-5ecret-Rr19X"):
            with pytest.raises(urllib.error.HTTPError) as denied:
                s.open(path, token=token)
            assert denied.value.code == 401
            assert denied.value.headers["WWW-Authenticate"] == 'Bearer realm="strait"'
    s.wait_caught_up("sdc1->sdc2", [topic])  # /status and /metrics with the token
    assert "strait_flow_connected" in s.metrics()
    with pytest.raises(urllib.error.URLError) as untrusted:
        s.open("/healthz", ca=src.stranger_ca.cert)
    assert isinstance(untrusted.value.reason, ssl.SSLCertVerificationError)
    r = run(strait_bin, "status", "--config", s.config_path)
    assert r.returncode == 0 and "sdc1->sdc2" in r.stdout, r.stdout + r.stderr
    assert TOKEN not in r.stdout + r.stderr
    # The commands that change a running instance go through the same HTTPS and token.
    for page in ("/", "/status/history"):
        with pytest.raises(urllib.error.HTTPError) as denied:
            s.open(page, token="")
        assert denied.value.code == 401
    r = run(strait_bin, "pause", "sdc1->sdc2", "--config", s.config_path)
    assert r.returncode == 0 and "paused" in r.stdout, r.stdout + r.stderr
    r = run(strait_bin, "resume", "sdc1->sdc2", "--config", s.config_path)
    assert r.returncode == 0, r.stdout + r.stderr
    r = run(strait_bin, "reload", "--config", s.config_path)
    assert r.returncode == 0 and "config reloaded" in r.stdout, r.stdout + r.stderr
    assert TOKEN not in r.stdout + r.stderr
