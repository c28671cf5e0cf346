"""The demo behind scripts/demo.sh: two local clusters, a sample producer writing to dc1,
strait mirroring dc1 -> dc2 over a WAN link with 20 ms round trip, and a live view of
throughput and lag until Ctrl-C (or --seconds)."""

import argparse
import json
import os
import pathlib
import signal
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


def status(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=3) as r:
        return json.loads(r.read())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=0, help="stop after this long (0: until Ctrl-C)")
    ap.add_argument("--rate", type=int, default=2000, help="records per second written to dc1")
    ap.add_argument("--port-base", type=int, default=int(os.environ.get("STRAIT_PORT_BASE", "23000")))
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
        dc1, dc2 = bed.up(ClusterSpec("dc1"), ClusterSpec("dc2"))
        bed.set_latency("dc1", 20)
        print(f"  dc1 LOCAL {dc1.bootstrap()}  WAN {dc1.bootstrap(wan=True)} (20 ms round trip)")
        print(f"  dc2 LOCAL {dc2.bootstrap()}")
        admin = AdminClient({"bootstrap.servers": dc1.bootstrap(), **QUIET})
        for f in admin.create_topics([NewTopic(t, n, 1) for t, n in TOPICS.items()]).values():
            f.result(30)
        producer = SampleProducer(dc1.bootstrap(), args.rate)
        producer.start()

        port = args.port_base + 90
        config = root / "strait.yaml"
        config.write_text(f"""# strait runs in dc2: it reads dc1 over the WAN and writes dc2 locally.
clusters:
  dc1: {{ bootstrap.servers: "{dc1.bootstrap(wan=True)}" }}
  dc2: {{ bootstrap.servers: "{dc2.bootstrap()}" }}
flows:
  - source: dc1
    target: dc2
    topics: ["orders", "payments"]
http:
  listen: "127.0.0.1:{port}"
""")
        log = open(root / "strait.log", "wb")
        strait = subprocess.Popen([str(binary), "run", "--config", str(config)], stdout=log,
                                  stderr=subprocess.STDOUT,
                                  env=dict(os.environ, STRAIT_TESTBED=bed.marker))
        print(f"strait is mirroring dc1 -> dc2 (config {config}, log {root / 'strait.log'})")
        print(f"  http://127.0.0.1:{port}/  (status page)  /status  /metrics  /healthz")
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
                flow = status(port)["flows"][0]
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
