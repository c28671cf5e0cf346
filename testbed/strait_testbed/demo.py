"""The demo behind scripts/demo.sh: two local clusters, a sample producer writing to dc1,
strait mirroring dc1 -> dc2 over a WAN link with 20 ms round trip, and a live view of
throughput and lag until Ctrl-C (or --seconds).

With --secure the clusters run as production clusters do (docs/security.md): strait logs in
over SASL_SSL with SCRAM as a user that holds exactly the ACLs docs/security.md lists, reads
its password from a file, and serves /status over HTTPS behind a bearer token."""

import argparse
import json
import os
import pathlib
import secrets
import signal
import ssl
import subprocess
import sys
import threading
import time
import urllib.request

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from .bed import TestBed
from .cluster import ClusterSpec
from .kafka import QUIET
from .security import SecuritySpec, grant_documented_acls

REPO = pathlib.Path(__file__).resolve().parents[2]
TOPICS = {"orders": 6, "payments": 3}


class SampleProducer(threading.Thread):
    """Writes JSON orders and payments to dc1: a steady rate with a burst every 10 s."""

    def __init__(self, bootstrap: str, rate: int):
        super().__init__(daemon=True)
        self.bootstrap, self.rate = bootstrap, rate
        self.sent = 0
        self.stop = threading.Event()

    def run(self):
        p = Producer({"bootstrap.servers": self.bootstrap, "linger.ms": 10,
                      "compression.codec": "lz4", **QUIET})
        start = time.monotonic()
        while not self.stop.is_set():
            second = int(time.monotonic() - start)
            rate = self.rate * (5 if second % 10 == 9 else 1)
            for _ in range(rate // 20):
                topic = "orders" if self.sent % 4 else "payments"
                value = json.dumps({"id": self.sent, "amount": self.sent % 997,
                                    "at": time.time()}).encode()
                p.produce(topic, key=str(self.sent % 1000).encode(), value=value,
                          headers=[("source", b"demo")])
                self.sent += 1
            p.poll(0)
            time.sleep(0.05)
        p.flush(30)


class Endpoint:
    """strait's /status, over HTTP or, secured, over HTTPS with a bearer token."""

    def __init__(self, port: int, ca: pathlib.Path = None, token: str = None):
        self.url = f"{'https' if ca else 'http'}://127.0.0.1:{port}/status"
        self.context = ssl.create_default_context(cafile=str(ca)) if ca else None
        self.token = token

    def status(self) -> dict:
        request = urllib.request.Request(self.url)
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        with urllib.request.urlopen(request, timeout=3, context=self.context) as r:
            return json.loads(r.read())


def plain_config(dc1, dc2, port: int) -> tuple:
    """strait in dc2 reads dc1 over the WAN link (20 ms round trip)."""
    return f"""# strait runs in dc2: it reads dc1 over the WAN and writes dc2 locally.
clusters:
  dc1: {{ bootstrap.servers: "{dc1.bootstrap(wan=True)}" }}
  dc2: {{ bootstrap.servers: "{dc2.bootstrap()}" }}
flows:
  - source: dc1
    target: dc2
    topics: ["orders", "payments"]
http:
  listen: "127.0.0.1:{port}"
""", Endpoint(port)


def secure_config(root: pathlib.Path, dc1, dc2, port: int) -> tuple:
    """strait logs in as `strait` with SCRAM over TLS and exactly the documented ACLs; its
    password and HTTP token are in files, its endpoint is HTTPS. The secured listeners have
    no WAN proxy: strait reads dc1 without the 20 ms."""
    password, token = root / "strait-password", root / "http-token"
    grant_documented_acls({"source": dc1.bootstrap(), "target": dc2.bootstrap()}, "User:strait",
                          {"<source>": "dc1", "<target>": "dc2", "<topics>": list(TOPICS),
                           "<groups>": "demo-"})
    http = dc1.ca.issue("strait-http")
    token.write_text(secrets.token_urlsafe(24) + "\n")

    def cluster(c, mechanism):
        return f"""  {c.alias}:
    bootstrap.servers: "{c.bootstrap(secure=True)}"
    security.protocol: SASL_SSL
    sasl.mechanism: {mechanism}
    sasl.username: strait
    sasl.password: "${{file:{password}}}"
    ssl.ca.location: "{c.ca.cert}"
"""
    config = f"""# strait logs in to both clusters over TLS with SCRAM, as a user holding only the ACLs
# of docs/security.md; secrets come from files.
clusters:
{cluster(dc1, "SCRAM-SHA-512")}{cluster(dc2, "SCRAM-SHA-256")}flows:
  - source: dc1
    target: dc2
    topics: ["orders", "payments"]
    groups: ["demo-.*"]
http:
  listen: "127.0.0.1:{port}"
  tls.certificate: "{http.with_suffix('.crt')}"
  tls.key: "{http.with_suffix('.key')}"
  tls.ca: "{dc1.ca.cert}"
  token: "${{file:{token}}}"
"""
    return config, Endpoint(port, dc1.ca.cert, token.read_text().strip())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=0, help="stop after this long (0: until Ctrl-C)")
    ap.add_argument("--rate", type=int, default=2000, help="records per second written to dc1")
    ap.add_argument("--port-base", type=int, default=int(os.environ.get("STRAIT_PORT_BASE", "23000")))
    ap.add_argument("--secure", action="store_true",
                    help="SASL_SSL with SCRAM, least-privilege ACLs, HTTPS with a token")
    args = ap.parse_args()
    root = pathlib.Path(os.environ.get("STRAIT_TESTBED_DIR", "/tmp/strait-demo"))
    binary = pathlib.Path(os.environ.get("STRAIT_BIN", REPO / "build" / "src" / "cli" / "strait"))
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    bed = TestBed(root=root, port_base=args.port_base)
    bed.down()
    bed = TestBed(root=root, port_base=args.port_base)
    strait = None
    producer = None
    try:
        print("starting Kafka clusters dc1 and dc2 (KRaft, one broker each) ...", flush=True)
        password = secrets.token_urlsafe(18)
        security = SecuritySpec(users={"strait": password}) if args.secure else None
        dc1, dc2 = bed.up(ClusterSpec("dc1", security=security), ClusterSpec("dc2", security=security))
        bed.set_latency("dc1", 20)
        print(f"  dc1 LOCAL {dc1.bootstrap()}  WAN {dc1.bootstrap(wan=True)} (20 ms round trip)")
        print(f"  dc2 LOCAL {dc2.bootstrap()}")
        if args.secure:
            (root / "strait-password").write_text(password + "\n")
            print(f"  SASL_SSL: dc1 {dc1.bootstrap(secure=True)}  dc2 {dc2.bootstrap(secure=True)}"
                  f" (CA {dc1.ca.cert}, no WAN delay); granting User:strait the ACLs of "
                  "docs/security.md ...", flush=True)
        admin = AdminClient({"bootstrap.servers": dc1.bootstrap(), **QUIET})
        for f in admin.create_topics([NewTopic(t, n, 1) for t, n in TOPICS.items()]).values():
            f.result(30)
        producer = SampleProducer(dc1.bootstrap(), args.rate)
        producer.start()

        port = args.port_base + 90
        config = root / "strait.yaml"
        text, endpoint = secure_config(root, dc1, dc2, port) if args.secure else \
            plain_config(dc1, dc2, port)
        config.write_text(text)
        log = open(root / "strait.log", "wb")
        strait = subprocess.Popen([str(binary), "run", "--config", str(config)], stdout=log,
                                  stderr=subprocess.STDOUT,
                                  env=dict(os.environ, STRAIT_TESTBED=bed.marker))
        print(f"strait is mirroring dc1 -> dc2 (config {config}, log {root / 'strait.log'})")
        base_url = endpoint.url[:-len("/status")]
        print(f"  {base_url}/  (status page)  /status  /metrics  /healthz" +
              (f"  (token in {root / 'http-token'})" if args.secure else ""))
        print("Ctrl-C stops the demo.\n")
        print(f"{'time':>6} {'written':>9} {'mirrored':>9} {'records/s':>10} {'MB/s':>6} "
              f"{'lag':>7} {'lag s':>6}  topics")
        started = time.monotonic()
        last_records, last_bytes, last_t = 0, 0, time.monotonic()
        while not stop.is_set():
            if args.seconds and time.monotonic() - started >= args.seconds:
                break
            stop.wait(1.0)
            if strait.poll() is not None:
                print("strait exited; see its log")
                return 1
            try:
                flow = endpoint.status()["flows"][0]
            except OSError:
                continue
            now = time.monotonic()
            rate = (flow["records"] - last_records) / (now - last_t)
            mbs = (flow["bytes"] - last_bytes) / (now - last_t) / 1e6
            last_records, last_bytes, last_t = flow["records"], flow["bytes"], now
            topics = ", ".join(f"{t['topic']}->{t['remote_topic']}" for t in flow["topics"])
            print(f"{now - started:6.0f} {producer.sent:9d} {flow['records']:9d} {rate:10.0f} "
                  f"{mbs:6.2f} {flow['lag_records']:7d} {flow['lag_seconds']:6.1f}  {topics}",
                  flush=True)
        return 0
    finally:
        if producer is not None:
            producer.stop.set()
            producer.join(timeout=30)
        if strait is not None and strait.poll() is None:
            strait.send_signal(signal.SIGTERM)
            print(f"strait stopped with exit code {strait.wait(timeout=60)}")
        bed.down()
        print("clusters stopped; nothing left running")


if __name__ == "__main__":
    sys.exit(main())
