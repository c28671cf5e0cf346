"""Where a backlog copy waits (issue 18): a timeline of strait's pipeline, sampled while it
copies (`bench/run.py --timeline`).

Three sources, all on the monotonic clock so that they line up:
- strait's /metrics every 250 ms: the data thread's time working and waiting for each side
  (strait_data_loop_seconds_total) and the records in flight;
- /proc/<pid>/task/*/{stat,schedstat} every 250 ms: each thread's time on a CPU, waiting
  for one (runnable, the machine busy) and asleep (blocked) -- the off-CPU split per thread;
- librdkafka's statistics (statistics.interval.ms, written by strait.statistics.file): the
  producer's round trips, requests in flight and batch sizes, the consumer's fetches and
  its prefetch queue.
The result is timeline.json (every sample) and timeline.txt (a compact table) in the run's
directory, and a summary in the run's result.
"""

import collections
import json
import pathlib
import re
import urllib.request
from typing import Dict, List, Optional, Tuple

from meters import Sampler, machine_busy_seconds

INTERVAL = 0.25
STATS_INTERVAL_MS = 250
LOOP_STATES = ("working", "waiting_fetch", "waiting_produce")
_METRIC = re.compile(r'^(strait_data_loop_seconds_total|strait_inflight_records|'
                     r'strait_inflight_bytes)\{([^}]*)\} (\S+)$', re.M)


def strait_settings(run_dir: pathlib.Path) -> Dict[str, str]:
    """The --strait-set overrides that make strait write its clients' statistics."""
    return {"consumer.statistics.interval.ms": str(STATS_INTERVAL_MS),
            "consumer.strait.statistics.file": str(run_dir / "stats-consumer.jsonl"),
            "producer.statistics.interval.ms": str(STATS_INTERVAL_MS),
            "producer.strait.statistics.file": str(run_dir / "stats-producer.jsonl")}


def thread_group(comm: str) -> str:
    """librdkafka names its threads rdk:broker<id>, rdk:main, rdk:bg; strait's are named by
    role. Threads of one kind (every broker thread) are summed."""
    if comm.startswith("rdk:broker"):
        return "rdk:broker*"
    return comm


def threads(pid: int) -> Dict[str, Tuple[float, float, int]]:
    """{thread group: (seconds on a CPU, seconds runnable but waiting for one, threads)}."""
    out: Dict[str, List[float]] = collections.defaultdict(lambda: [0.0, 0.0, 0])
    for task in pathlib.Path(f"/proc/{pid}/task").iterdir():
        try:
            comm = (task / "comm").read_text().strip()
            run_ns, wait_ns, _ = (int(x) for x in (task / "schedstat").read_text().split())
        except (OSError, ValueError):
            continue  # the thread ended between listing and reading
        acc = out[thread_group(comm)]
        acc[0] += run_ns / 1e9
        acc[1] += wait_ns / 1e9
        acc[2] += 1
    return {k: (v[0], v[1], int(v[2])) for k, v in out.items()}


class Timeline:
    """Samples strait's pipeline until stop(); `result()` lines the samples up."""

    def __init__(self, pid: int, http_port: int, run_dir: pathlib.Path):
        self.pid = pid
        self.url = f"http://127.0.0.1:{http_port}/metrics"
        self.run_dir = run_dir
        self.sampler = Sampler(self._probe, INTERVAL, "timeline")

    def start(self) -> "Timeline":
        self.sampler.start()
        return self

    def stop(self):
        self.sampler.stop()

    def _probe(self) -> tuple:
        metrics = {"inflight_records": 0.0, "inflight_bytes": 0.0}
        with urllib.request.urlopen(self.url, timeout=1) as r:
            text = r.read().decode()
        for name, labels, value in _METRIC.findall(text):
            if name == "strait_data_loop_seconds_total":
                state = re.search(r'state="([^"]+)"', labels).group(1)
                metrics[state] = metrics.get(state, 0.0) + float(value)
            else:
                key = name[len("strait_"):]
                metrics[key] += float(value)
        return (metrics, threads(self.pid), machine_busy_seconds())

    def samples(self) -> List[tuple]:
        return [(t, v[0], v[1], v[2]) for t, v in self.sampler.series.points()]


# ---- librdkafka statistics --------------------------------------------------------------

def read_stats(path: pathlib.Path, topic: str) -> List[dict]:
    """The lines of one statistics file that are about `topic` (a process has several
    clients of each kind; only the data path's reads or writes the copied topic)."""
    out = []
    if not path.exists():
        return out
    for line in path.read_text(errors="replace").splitlines():
        try:
            j = json.loads(line)
        except ValueError:
            continue  # a line cut by the process's end
        if topic in j.get("topics", {}):
            out.append(j)
    return out


def _brokers(j: dict) -> List[dict]:
    return [b for b in j.get("brokers", {}).values() if b.get("nodeid", -1) >= 0]


def producer_point(j: dict, prev: Optional[dict], topic: str) -> dict:
    """One producer statistics sample: averages over the interval since `prev`."""
    brokers = _brokers(j)
    t = j["topics"][topic]
    parts = [p for p in t["partitions"].values() if p["partition"] >= 0]
    point = {
        "t": j["ts"] / 1e6,
        "rtt_ms": max((b["rtt"]["avg"] for b in brokers), default=0) / 1000,
        "rtt_p99_ms": max((b["rtt"]["p99"] for b in brokers), default=0) / 1000,
        "int_latency_ms": max((b["int_latency"]["avg"] for b in brokers), default=0) / 1000,
        "waitresp": sum(b["waitresp_cnt"] for b in brokers),
        "outbuf": sum(b["outbuf_cnt"] for b in brokers),
        "batch_kb": t["batchsize"]["avg"] / 1024,
        "batch_records": t["batchcnt"]["avg"],
        "queued_records": sum(p["msgq_cnt"] + p["xmit_msgq_cnt"] for p in parts),
        "tx": sum(b["tx"] for b in brokers),
        "txbytes": sum(b["txbytes"] for b in brokers),
    }
    if prev is not None:
        dt = max(1e-9, point["t"] - prev["t"])
        point["produce_requests_per_s"] = (point["tx"] - prev["tx"]) / dt
        point["tx_mb_per_s"] = (point["txbytes"] - prev["txbytes"]) / dt / 1e6
    return point


def consumer_point(j: dict, prev: Optional[dict], topic: str) -> dict:
    """One consumer statistics sample: fetch requests and their size since `prev`, and the
    prefetch queue of every partition now."""
    brokers = _brokers(j)
    parts = [p for p in j["topics"][topic]["partitions"].values() if p["partition"] >= 0]
    point = {
        "t": j["ts"] / 1e6,
        "fetches": sum(b.get("req", {}).get("Fetch", 0) for b in brokers),
        "rxbytes": sum(b["rxbytes"] for b in brokers),
        "fetch_rtt_ms": max((b["rtt"]["avg"] for b in brokers), default=0) / 1000,
        # The high-level consumer forwards every partition's fetch queue to its one queue,
        # and each partition reports that queue's length: the largest is the whole queue.
        "fetchq_records": max((p["fetchq_cnt"] for p in parts), default=0),
        "fetchq_mb": max((p["fetchq_size"] for p in parts), default=0) / 1e6,
        "paused": sum(1 for p in parts if p.get("fetch_state") == "paused"
                      or p.get("fetch_state") == "stopped"),
    }
    if prev is not None:
        dt = max(1e-9, point["t"] - prev["t"])
        n = point["fetches"] - prev["fetches"]
        point["fetches_per_s"] = n / dt
        point["fetch_kb"] = (point["rxbytes"] - prev["rxbytes"]) / n / 1024 if n > 0 else 0.0
    return point


def stats_series(path: pathlib.Path, topic: str, point_fn) -> List[dict]:
    out, prev = [], None
    for j in read_stats(path, topic):
        p = point_fn(j, prev, topic)
        out.append(p)
        prev = p
    return out


# ---- lining it up -----------------------------------------------------------------------

def _delta(samples: List[tuple], i: int, j: int, cores: int) -> dict:
    """What happened between samples i and j: shares of the data thread's time, each
    thread group's on-CPU, runnable and asleep fractions, the machine's busy fraction."""
    t0, m0, th0, busy0 = samples[i]
    t1, m1, th1, busy1 = samples[j]
    dt = max(1e-9, t1 - t0)
    loop = {s: (m1.get(s, 0.0) - m0.get(s, 0.0)) / dt for s in LOOP_STATES}
    per_thread = {}
    for comm, (run1, wait1, n) in th1.items():
        run0, wait0, _ = th0.get(comm, (0.0, 0.0, 0))
        per_thread[comm] = ((run1 - run0) / dt, (wait1 - wait0) / dt, n)
    return {"t": t0, "dt": dt, "loop": loop, "threads": per_thread,
            "machine_busy": (busy1 - busy0) / dt / cores,
            "inflight_records": m1["inflight_records"], "inflight_mb": m1["inflight_bytes"] / 1e6}


def _nearest(series: List[dict], t0: float, t1: float) -> List[dict]:
    return [p for p in series if t0 <= p["t"] < t1]


def _mean(points: List[dict], key: str) -> Optional[float]:
    values = [p[key] for p in points if p.get(key) is not None]
    return sum(values) / len(values) if values else None


def build(timeline: Timeline, progress: List[Tuple[float, int]], window: Tuple[float, float],
          started: float, remote: str, source: str, cores: int, record_size: int,
          rows: int = 12) -> dict:
    """timeline.json and timeline.txt in the run directory; returns the window's summary."""
    samples = timeline.samples()
    producer = stats_series(timeline.run_dir / "stats-producer.jsonl", remote, producer_point)
    consumer = stats_series(timeline.run_dir / "stats-consumer.jsonl", source, consumer_point)
    inside = [k for k, s in enumerate(samples) if window[0] <= s[0] <= window[1]]
    if len(inside) < 2:
        return {"error": "too few timeline samples inside the transfer window"}
    # Rows of at least a second: strait publishes /metrics every 200 ms, so shorter rows
    # would alias the data thread's split.
    step = max(4, (len(inside) - 1) // rows)
    table = []
    for a in range(inside[0], inside[-1], step):
        b = min(a + step, inside[-1])
        if b <= a:
            break
        d = _delta(samples, a, b, cores)
        t0, t1 = samples[a][0], samples[b][0]
        n0 = _records_at(progress, t0)
        n1 = _records_at(progress, t1)
        prod, cons = _nearest(producer, t0, t1), _nearest(consumer, t0, t1)
        fetchq = [p["fetchq_records"] for p in cons]
        table.append({
            "t_s": round(t0 - started, 2), "mb_per_s": (n1 - n0) * record_size / (t1 - t0) / 1e6,
            **{f"loop_{k}": v for k, v in d["loop"].items()},
            "data_cpu": d["threads"].get("data", (0, 0))[0],
            "rdk_cpu": sum(v[0] for k, v in d["threads"].items() if k.startswith("rdk:")),
            "runnable": sum(v[1] for v in d["threads"].values()),
            "machine_busy": d["machine_busy"],
            "inflight_records": d["inflight_records"], "inflight_mb": d["inflight_mb"],
            "rtt_ms": _mean(prod, "rtt_ms"), "int_latency_ms": _mean(prod, "int_latency_ms"),
            "waitresp": _mean(prod, "waitresp"), "batch_kb": _mean(prod, "batch_kb"),
            "produce_req_per_s": _mean(prod, "produce_requests_per_s"),
            "producer_queue": _mean(prod, "queued_records"),
            "fetch_kb": _mean(cons, "fetch_kb"), "fetches_per_s": _mean(cons, "fetches_per_s"),
            "fetchq_records": sum(fetchq) / len(fetchq) if fetchq else None,
            "paused_partitions": _mean(cons, "paused"),
        })
    whole = _delta(samples, inside[0], inside[-1], cores)
    summary = {"loop": whole["loop"], "machine_busy": whole["machine_busy"],
               # Per group of threads, in threads: 0.5 on_cpu = half a core's time.
               "threads": {k: {"threads": v[2], "on_cpu": v[0], "runnable": v[1],
                               "asleep": max(0.0, v[2] - v[0] - v[1])}
                           for k, v in sorted(whole["threads"].items())},
               "producer": {k: _mean(_nearest(producer, *window), k)
                            for k in ("rtt_ms", "int_latency_ms", "waitresp", "batch_kb",
                                      "batch_records", "produce_requests_per_s", "queued_records")},
               "consumer": {k: _mean(_nearest(consumer, *window), k)
                            for k in ("fetch_kb", "fetches_per_s", "fetchq_mb", "fetch_rtt_ms")}}
    (timeline.run_dir / "timeline.json").write_text(json.dumps(
        {"rows": table, "summary": summary, "producer": producer, "consumer": consumer,
         "samples": samples,
         "started": started, "window": window}, indent=1, default=str))
    (timeline.run_dir / "timeline.txt").write_text(render(table, summary))
    return summary


def _records_at(progress: List[Tuple[float, int]], t: float) -> float:
    before = [(pt, n) for pt, n in progress if pt <= t]
    after = [(pt, n) for pt, n in progress if pt > t]
    if not before:
        return float(after[0][1]) if after else 0.0
    if not after:
        return float(before[-1][1])
    (ta, na), (tb, nb) = before[-1], after[0]
    return na + (nb - na) * (t - ta) / (tb - ta)


def _f(v, digits=0) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


COLUMNS = [("t s", "t_s", 1, 1), ("MB/s", "mb_per_s", 0, 1), ("work%", "loop_working", 0, 100),
           ("wfetch%", "loop_waiting_fetch", 0, 100), ("wprod%", "loop_waiting_produce", 0, 100),
           ("data cpu%", "data_cpu", 0, 100), ("rdk cpu%", "rdk_cpu", 0, 100),
           ("runq%", "runnable", 0, 100), ("busy%", "machine_busy", 0, 100),
           ("inflight", "inflight_records", 0, 1), ("rtt ms", "rtt_ms", 1, 1),
           ("waitresp", "waitresp", 1, 1), ("batch KB", "batch_kb", 0, 1),
           ("prodq", "producer_queue", 0, 1), ("fetch KB", "fetch_kb", 0, 1),
           ("fetchq", "fetchq_records", 0, 1)]


def render(rows: List[dict], summary: dict) -> str:
    """A compact table: one row per tenth of the copy, then the threads' split."""
    head = " | ".join(c[0] for c in COLUMNS)
    lines = ["| " + head + " |", "|" + "---|" * len(COLUMNS)]
    for r in rows:
        lines.append("| " + " | ".join(
            _f(None if r.get(key) is None else r[key] * scale, digits)
            for _, key, digits, scale in COLUMNS) + " |")
    lines += ["", "Per thread (group), in % of one thread's time over the copy:", "",
              "| thread | threads | on CPU | runnable | asleep |", "|---|---|---|---|---|"]
    for name, v in summary["threads"].items():
        if v["on_cpu"] + v["runnable"] < 0.005:
            continue
        lines.append(f"| {name} | {v['threads']} | "
                     f"{100 * v['on_cpu']:.0f} % | {100 * v['runnable']:.0f} % | "
                     f"{100 * v['asleep']:.0f} % |")
    return "\n".join(lines) + "\n"
