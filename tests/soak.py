"""The soak (scripts/soak.sh): mirrors at least a million records from dc1 to dc2 while
strait is killed with kill -9 ten times, both clusters' brokers are killed and restarted, and
the WAN link is cut for a minute; then proves every record with `strait verify` and,
independently, with the end-to-end tests' verifier (strait_testbed.verify), partition by
partition.

Not part of CI: it takes about 10 minutes. Prints a summary and writes it as JSON to
<out>/soak-result.json (strait's log beside it); exit 0 only if both verifications pass."""

import argparse
import json
import os
import pathlib
import random
import subprocess
import sys
import threading
import time

import psutil
from confluent_kafka import Producer

from strait_testbed import ClusterSpec, TestBed
from strait_testbed.kafka import QUIET, consume_all, create_topic, end_offsets, unique, wait_for
from strait_testbed.strait import Strait
from strait_testbed.verify import compare

REPO = pathlib.Path(__file__).resolve().parent.parent

FLOW = "dc1->dc2"


def log(msg: str):
    print(f"{time.strftime('%H:%M:%S')} soak: {msg}", flush=True)


class Feeder:
    """Produces `total` sequence-numbered records at `rate` per second with an idempotent
    producer that keeps retrying through the source's outages."""

    def __init__(self, bootstrap: str, topic: str, partitions: int, total: int, rate: int):
        self.bootstrap, self.topic, self.partitions = bootstrap, topic, partitions
        self.total, self.rate = total, rate
        self.sent = 0
        self.errors = []
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        p = Producer({"bootstrap.servers": self.bootstrap, "enable.idempotence": True,
                      "linger.ms": 20, "compression.codec": "lz4", "message.timeout.ms": 900_000,
                      "queue.buffering.max.messages": 2_000_000,
                      "queue.buffering.max.kbytes": 1_048_576, **QUIET})
        start = time.monotonic()
        while self.sent < self.total:
            i = self.sent
            key = None if i % 97 == 0 else b"k%d" % (i % 5000)
            value = b"" if i % 89 == 0 else b"soak-%d-" % i + b"x" * (i % 200)
            headers = [("seq", b"%d" % i)] if i % 3 else [("seq", b"%d" % i), ("null", None)]
            try:
                p.produce(self.topic, value=value, key=key, partition=i % self.partitions,
                          headers=headers, on_delivery=self._delivered)
            except BufferError:
                p.poll(0.1)
                continue
            self.sent += 1
            if self.sent % 1000 == 0:
                p.poll(0)
                ahead = self.sent / self.rate - (time.monotonic() - start)
                if ahead > 0:
                    time.sleep(ahead)
        left = p.flush(900)
        if left:
            self.errors.append(f"{left} records never delivered to the source")

    def _delivered(self, err, _msg):
        if err is not None and len(self.errors) < 10:
            self.errors.append(str(err))


def faults(bed: TestBed, s: Strait, rng: random.Random, kills: int, cut_s: int) -> list:
    """kill -9 strait `kills` times; in between, kill -9 the target's and the source's
    brokers and restart them, and cut the WAN link for `cut_s` seconds."""
    done = []

    def record(what: str, t0: float):
        done.append({"fault": what, "at_s": round(t0 - started, 1),
                     "took_s": round(time.monotonic() - t0, 1)})
        log(f"{what} ({done[-1]['took_s']} s)")

    started = time.monotonic()
    extra = {3: "target broker", 6: "source broker", 8: "link cut"}
    for k in range(1, kills + 1):
        time.sleep(rng.uniform(8, 25))  # a random moment; records are flowing all along
        t0 = time.monotonic()
        s.kill()
        s.start()
        record(f"strait kill -9 #{k}", t0)
        what = extra.get(k)
        if what is None:
            continue
        time.sleep(rng.uniform(5, 15))
        t0 = time.monotonic()
        if what == "link cut":
            bed.cut("dc1")
            time.sleep(cut_s)
            bed.restore("dc1")
            record(f"WAN link to dc1 cut for {cut_s} s", t0)
        else:
            alias = "dc2" if what == "target broker" else "dc1"
            bed.kill(alias)
            bed.start(alias)
            record(f"{what} ({alias}) kill -9 and restart", t0)
    return done


def strait_verify(strait_bin: pathlib.Path, s: Strait, topic: str) -> dict:
    """Runs `strait verify --json`, sampling its memory."""
    t0 = time.monotonic()
    proc = subprocess.Popen([str(strait_bin), "verify", "--config", str(s.config_path),
                             "--flow", FLOW, "--topics", topic, "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    peak = 0
    ps = psutil.Process(proc.pid)
    out = b""
    while proc.poll() is None:
        try:
            peak = max(peak, ps.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.2)
    out = proc.stdout.read()
    report = json.loads(out)
    return {"exit_code": proc.returncode, "result": report["result"],
            "totals": report["totals"], "seconds": round(time.monotonic() - t0, 1),
            "peak_rss_mib": round(peak / 2**20), "report": report}


def independent_verify(dc1, dc2, topic: str, partitions: int) -> dict:
    """strait_testbed.verify's compare, one partition at a time to bound memory."""
    totals = {"source_records": 0, "target_records": 0, "missing": 0, "duplicated": 0,
              "out_of_order": 0, "different": 0}
    examples = []
    for p in range(partitions):
        src = consume_all(dc1.bootstrap(), topic, partitions=[p], timeout=600)
        dst = consume_all(dc2.bootstrap(), f"dc1.{topic}", partitions=[p], timeout=600)
        r = compare(src, dst)
        totals["source_records"] += r.source_records
        totals["target_records"] += r.target_records
        for k in ("missing", "duplicated", "out_of_order", "different"):
            totals[k] += len(getattr(r, k))
        if not r.ok:
            examples.append(f"p{p}: {r}")
    ok = not examples and totals["source_records"] == totals["target_records"]
    return {"ok": ok, **totals, "examples": examples[:5]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--records", type=int, default=1_100_000)
    ap.add_argument("--rate", type=int, default=2500, help="records per second produced")
    ap.add_argument("--partitions", type=int, default=8)
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--cut-seconds", type=int, default=60)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--build", default=os.environ.get("STRAIT_BUILD_DIR", str(REPO / "build")))
    ap.add_argument("--out", default=str(REPO / "build" / "soak"),
                    help="where the result, strait's log and a failing report are kept")
    args = ap.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    root = pathlib.Path(os.environ.get("STRAIT_E2E_ROOT", "/tmp/strait-soak"))
    base = int(os.environ.get("STRAIT_PORT_BASE", "24000"))
    strait_bin = pathlib.Path(args.build) / "src" / "cli" / "strait"
    rng = random.Random(args.seed)
    t_start = time.monotonic()
    bed = TestBed(root=root, port_base=base)
    s = None
    try:
        bed.up(ClusterSpec("dc1"), ClusterSpec("dc2"))
        dc1, dc2 = bed["dc1"], bed["dc2"]
        topic = unique("soak")
        create_topic(dc1.bootstrap(), topic, args.partitions)
        clusters = {"dc1": {"bootstrap.servers": dc1.bootstrap(wan=True)},
                    "dc2": {"bootstrap.servers": dc2.bootstrap()}}
        s = Strait(strait_bin, out / "strait", bed.marker, clusters,
                   [{"source": "dc1", "target": "dc2", "topics": [topic]}]).start()
        log(f"seed {args.seed}; producing {args.records} records to {topic} "
            f"({args.partitions} partitions) at {args.rate}/s")
        feeder = Feeder(dc1.bootstrap(), topic, args.partitions, args.records, args.rate)
        feeder.thread.start()
        done = faults(bed, s, rng, args.kills, args.cut_seconds)
        feeder.thread.join()
        assert not feeder.errors, feeder.errors
        log("all records produced; waiting for strait to catch up")
        s.wait_caught_up(FLOW, [topic], timeout=1800)
        source_records = sum(end_offsets(dc1.bootstrap(), [topic]).values())
        mirrored_at = time.monotonic()
        log(f"caught up: {source_records} source offsets; verifying")
        ours = strait_verify(strait_bin, s, topic)
        log(f"strait verify: exit {ours['exit_code']} ({ours['result']}), "
            f"{ours['totals']['matched']} matched in {ours['seconds']} s, "
            f"peak RSS {ours['peak_rss_mib']} MiB")
        theirs = independent_verify(dc1, dc2, topic, args.partitions)
        log(f"verify.py: {'ok' if theirs['ok'] else 'FAILED'}: {theirs}")
        ok = ours["exit_code"] == 0 and theirs["ok"] and \
            ours["totals"]["matched"] == theirs["source_records"] == source_records
        result = {
            "command": "scripts/soak.sh " + " ".join(sys.argv[1:]),
            "seed": args.seed, "topic": topic, "partitions": args.partitions,
            "records_produced": feeder.sent, "source_offsets": source_records,
            "strait_starts": s.starts, "faults": done,
            "mirror_seconds": round(mirrored_at - t_start),
            "total_seconds": round(time.monotonic() - t_start),
            "strait_verify": {k: v for k, v in ours.items() if k != "report"},
            "independent_verify": theirs, "outcome": "pass" if ok else "FAIL",
        }
        (out / "soak-result.json").write_text(json.dumps(result, indent=2))
        if not ok:
            (out / "verify-report.json").write_text(json.dumps(ours["report"], indent=2))
        log(f"{result['outcome']}: {json.dumps(result, indent=2)}")
        return 0 if ok else 1
    finally:
        if s is not None:
            s.close()
            print(f"strait log: {s.log_path}")
        bed.down()


if __name__ == "__main__":
    sys.exit(main())
