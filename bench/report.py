"""Turns the harness's results into docs/benchmarks.md's per-run section and the
throughput chart: the machine, the command, one table row per scenario and replicator,
and the issue's targets with ✅/❌.

Several runs of the same scenario and replicator (`--repeat`) are summarised by their
median, so that one disturbed run does not decide a target.
"""

import bisect
import os
import pathlib
import platform
import re
import statistics
import subprocess
from typing import Dict, List, Optional, Tuple

LABELS = {"strait": "strait", "mm2-default": "MM2 defaults", "mm2-tuned": "MM2 tuned"}
WAN_VIA = {
    "link": "WAN: the replicator ran in its own network namespace and reached both clusters "
            "through `testbed/strait_testbed/wanlink.py` (tun devices, TCP end to end, 25 ms added each way to "
            "dc1's packets only), so its own socket buffers and TCP windows set its pace.",
    "toxiproxy": "WAN: the replicator read dc1 through the test bed's toxiproxy (25 ms each "
                 "way); toxiproxy ends TCP on both sides, so no window limit applies.",
}
# The latency scenario's reference row: producer -> dc2 -> consumer, nothing in between.
FLOOR_LABEL = "no replicator (floor)"
SCENARIOS = {"backlog": "1 backlog", "backlog-tls": "1b backlog, TLS both sides",
             "latency": "2 steady latency", "wan": "3 WAN 50 ms RTT",
             "partitions": "4 many partitions", "partitions3k": "4a 3,000 partitions",
             "partitions10k": "4b 10,000 partitions"}
TRANSFERS = ("backlog", "backlog-tls", "wan")  # scenarios that move the pre-filled backlog
MM2_KEYS = ("mm2-default", "mm2-tuned")


# ---- the machine ------------------------------------------------------------------------

def machine(strait_binary: pathlib.Path) -> Dict[str, str]:
    """Where the numbers were measured: CPU, memory, kernel, the Java version and the
    librdkafka strait links (the harness's own Python client has Debian's)."""
    model = _first_match(open("/proc/cpuinfo").read(), r"model name\s*:\s*(.*)") or "?"
    mem_kib = int(_first_match(open("/proc/meminfo").read(), r"MemTotal:\s*(\d+)") or 0)
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
    version = subprocess.run([str(strait_binary), "--version"], capture_output=True, text=True)
    librdkafka = _first_match(version.stdout, r"librdkafka ([0-9.]+)") or "?"
    return {"cpu": f"{os.cpu_count()} × {model}",
            "memory": f"{mem_kib / 2**20:.1f} GiB",
            "kernel": platform.release(),
            "java": (java.splitlines() or ["?"])[0],
            "librdkafka": librdkafka}


def load_average() -> Tuple[float, float, float]:
    return os.getloadavg()


def _first_match(text: str, pattern: str) -> Optional[str]:
    m = re.search(pattern, text)
    return m.group(1).strip() if m else None


# ---- aggregation ------------------------------------------------------------------------

def summary(results: List[dict], scenario: str, replicator: str) -> Optional[dict]:
    """The median of every numeric figure over the successful runs, or None."""
    runs = [r for r in results if r.get("scenario") == scenario and r.get("replicator") == replicator
            and "error" not in r]
    if not runs:
        return None
    out = {"runs": len(runs)}
    for key in runs[0]:
        values = [r[key] for r in runs if isinstance(r.get(key), (int, float))
                  and not isinstance(r.get(key), bool)]
        if values and len(values) == len(runs):
            out[key] = statistics.median(values)
        elif key not in out:
            out[key] = runs[0][key]
    return out


def ceiling_of(results: List[dict]) -> Optional[dict]:
    return next((r for r in results if r.get("scenario") == "ceiling" and "error" not in r), None)


# ---- the table --------------------------------------------------------------------------

def fmt(value, digits: int = 0, unit: str = "") -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}{unit}"


def result_rows(results: List[dict], replicators: List[str]) -> List[str]:
    ceiling = ceiling_of(results)
    limit = ceiling["pipe"]["records_per_s"] if ceiling else None
    rows = []
    for scenario in SCENARIOS:
        for rep in ["none", *replicators]:
            s = summary(results, scenario, rep)
            errors = [r["error"] for r in results if r.get("scenario") == scenario
                      and r.get("replicator") == rep and "error" in r]
            if s is None and not errors:
                continue
            rows.append(_row(scenario, rep, s, limit, errors))
    return rows


def _row(scenario: str, rep: str, s: Optional[dict], limit: Optional[float],
         errors: List[str]) -> str:
    s = s or {}
    lat = "—"
    if "p50_ms" in s:
        lat = f"{s['p50_ms']:.0f} / {s['p99_ms']:.0f} / {s['max_ms']:.0f}"
    share = "—"
    if scenario in TRANSFERS and limit and s.get("records_per_s"):
        share = f"{100 * s['records_per_s'] / limit:.0f} %"
    cells = [SCENARIOS[scenario], FLOOR_LABEL if rep == "none" else LABELS.get(rep, rep), fmt(s.get("records_per_s")),
             fmt(s.get("mb_per_s"), 1), fmt(s.get("cpu_s_per_gb"), 2),
             fmt(s.get("peak_rss_mb")), lat, share, _notes(scenario, s, errors)]
    return "| " + " | ".join(cells) + " |"


def _notes(scenario: str, s: dict, errors: List[str]) -> str:
    notes = []
    if scenario in TRANSFERS and s:
        if not s.get("complete", True):
            notes.append(f"**incomplete**: {s.get('records', 0):,} records in the time limit")
        notes.append(f"first record after {fmt(s.get('startup_s'), 1)} s")
        notes.append(f"brokers {fmt(s.get('broker_cpu_s_per_gb'), 2)} CPU-s/GB")
        if scenario == "wan":
            notes.append(f"proxy {fmt(s.get('proxy_cpu_s_per_gb'), 2)} CPU-s/GB")
    if scenario == "latency" and s:
        notes.append(f"{s.get('records', 0):,} records measured, {s.get('sent', 0):,} sent")
    if scenario in ("partitions", "partitions3k", "partitions10k") and s:
        all_s = s.get("all_mirroring_s")
        notes.append(f"{int(s.get('partitions') or 0):,} partitions mirrored after "
                     + (f"{all_s:.1f} s" if all_s is not None else f"> {s.get('timeout_s'):.0f} s"))
        new_s = s.get("new_topic_s")
        if s.get("new_topic_cap_s") is not None:
            notes.append("new topic after " + (f"{new_s:.1f} s" if new_s is not None
                                               else f"> {s.get('new_topic_cap_s'):.0f} s (cap)"))
        if s.get("peak_rss_mb") is not None:
            notes.append(f"peak RSS {s['peak_rss_mb']:.0f} MB")
        notes.append(f"{fmt(s.get('cpu_s_total'), 1)} CPU-s in all")
        if "restart_all_mirroring_s" in s:
            again = s["restart_all_mirroring_s"]
            notes.append("restarted against its remote topics with as many records again: all "
                         + (f"mirrored after {again:.1f} s" if again is not None
                            else f"not mirrored in {s.get('timeout_s'):.0f} s")
                         + f", peak RSS {fmt(s.get('restart_peak_rss_mb'))} MB")
    if s.get("machine_busy") is not None:
        notes.append(f"machine busy {100 * s['machine_busy']:.0f} %")
    if s.get("foreign_load") is not None:
        notes.append(f"other load {100 * s['foreign_load']:.0f} %")
    if s.get("runs", 1) > 1:
        notes.append(f"median of {s['runs']} runs")
    notes += [f"**failed**: {e.splitlines()[0][:160]}" for e in errors]
    return "; ".join(notes)


def ceiling_rows(ceiling: dict) -> List[str]:
    pipe = ceiling["pipe"]
    return [
        f"| produce alone (ProducerPerformance → dc1, filling the backlog) | "
        f"{fmt(ceiling['produce']['records_per_s'])} | {fmt(ceiling['produce']['mb_per_s'], 1)} |",
        f"| consume alone (ConsumerPerformance ← dc1) | {fmt(ceiling['consume']['records_per_s'])} | "
        f"{fmt(ceiling['consume']['mb_per_s'], 1)} |",
        f"| **pipe: both at once, dc1 → dc2 (the broker ceiling)** | "
        f"**{fmt(pipe['records_per_s'])}** | **{fmt(pipe['mb_per_s'], 1)}** |",
    ]


# ---- the targets ------------------------------------------------------------------------

def targets(results: List[dict]) -> List[Tuple[str, str, Optional[bool]]]:
    """(target, measured, met) for each of the issue's targets; met is None when a figure
    it needs was not measured in this run."""
    st = summary(results, "backlog", "strait")
    mm2 = [s for s in (summary(results, "backlog", k) for k in MM2_KEYS) if s]
    ceiling = ceiling_of(results)
    lat = summary(results, "latency", "strait")
    mm2_lat = [s for s in (summary(results, "latency", k) for k in MM2_KEYS) if s]
    wan = summary(results, "wan", "strait")
    wan_mm2 = summary(results, "wan", "mm2-default")
    out = []

    def ratio(name, num, den, goal, better_high=True, unit=""):
        if num is None or not den:
            out.append((name, "not measured", None))
            return
        r = num / den
        met = r >= goal if better_high else r <= goal
        out.append((name, f"{r:.2f}{unit} ({num:,.2f} / {den:,.2f})", met))

    best_mm2_rate = max((s["records_per_s"] for s in mm2), default=None)
    ratio("backlog throughput ≥ 2 × MirrorMaker 2 (its better configuration)",
          st and st.get("records_per_s"), best_mm2_rate, 2, unit="×")
    ratio("backlog throughput ≥ 80 % of the broker ceiling",
          st and st.get("records_per_s"), ceiling and ceiling["pipe"]["records_per_s"], 0.8)
    ratio("CPU-s per GB ≤ ¼ of MirrorMaker 2's (its more frugal configuration)",
          st and st.get("cpu_s_per_gb"), min((s["cpu_s_per_gb"] for s in mm2), default=None),
          0.25, better_high=False)
    cpu = st and st.get("cpu_s_per_gb")
    out.append(("CPU-s per GB ≤ 2", fmt(cpu, 2) if cpu is not None else "not measured",
                None if cpu is None else cpu <= 2))
    ratio("peak RSS ≤ 1/10 of MirrorMaker 2's (its smaller configuration)",
          st and st.get("peak_rss_mb"), min((s["peak_rss_mb"] for s in mm2), default=None),
          0.1, better_high=False)
    ratio("steady p99 latency ≤ ½ of MirrorMaker 2's (its faster configuration)",
          lat and lat.get("p99_ms"), min((s["p99_ms"] for s in mm2_lat if "p99_ms" in s),
                                          default=None), 0.5, better_high=False)
    ratio("50 ms RTT: ≥ 5 × MirrorMaker 2 with defaults",
          wan and wan.get("records_per_s"), wan_mm2 and wan_mm2.get("records_per_s"), 5, unit="×")
    ratio("50 ms RTT: ≥ 80 % of strait's own no-latency figure",
          wan and wan.get("records_per_s"), st and st.get("records_per_s"), 0.8)
    return out


def tls_rows(results: List[dict], replicators: List[str]) -> List[str]:
    """TLS against plaintext, per replicator, from the same run: what encryption costs."""
    rows = []
    for rep in replicators:
        plain, tls = summary(results, "backlog", rep), summary(results, "backlog-tls", rep)
        if not plain or not tls or not plain.get("records_per_s") or not tls.get("records_per_s"):
            continue
        rows.append(f"| {LABELS.get(rep, rep)} | {fmt(plain['records_per_s'])} | "
                    f"{fmt(tls['records_per_s'])} | "
                    f"{100 * tls['records_per_s'] / plain['records_per_s']:.0f} % | "
                    f"{fmt(plain.get('cpu_s_per_gb'), 2)} | {fmt(tls.get('cpu_s_per_gb'), 2)} | "
                    f"{fmt(plain.get('broker_cpu_s_per_gb'), 2)} | "
                    f"{fmt(tls.get('broker_cpu_s_per_gb'), 2)} |")
    return rows


def runs_of(results: List[dict], scenario: str, replicator: str) -> List[dict]:
    return [r for r in results if r.get("scenario") == scenario
            and r.get("replicator") == replicator and "error" not in r]


def spread(values: List[float], digits: int = 0, scale: float = 1) -> str:
    """median (min–max) of several runs; the value alone for one."""
    values = [scale * v for v in values if v is not None]
    if not values:
        return "—"
    if len(values) == 1:
        return fmt(values[0], digits)
    return (f"{fmt(statistics.median(values), digits)} "
            f"({fmt(min(values), digits)}–{fmt(max(values), digits)})")


RUN_FIGURES = [("records/s", "records_per_s", 0, 1), ("CPU-s/GB", "cpu_s_per_gb", 2, 1),
               ("brokers CPU-s/GB", "broker_cpu_s_per_gb", 2, 1),
               ("peak RSS MB", "peak_rss_mb", 0, 1), ("machine busy %", "machine_busy", 0, 100),
               ("other load %", "foreign_load", 0, 100)]


def spread_rows(results: List[dict], replicators: List[str]) -> List[str]:
    """For transfers run more than once: median (min–max) of each figure, then every run in
    the order it ran, so that a reader sees how far the runs agree and what load each had."""
    rows = []
    for scenario in TRANSFERS:
        for rep in replicators:
            runs = runs_of(results, scenario, rep)
            if len(runs) < 2:
                continue
            cells = [spread([r.get(key) for r in runs], digits, scale)
                     for _, key, digits, scale in RUN_FIGURES]
            per_run = " · ".join(fmt(r.get("records_per_s")) for r in runs)
            rows.append(f"| {SCENARIOS[scenario]} | {LABELS.get(rep, rep)} | {len(runs)} | "
                        + " | ".join(cells) + f" | {per_run} |")
    return rows


def paired_ratios(results: List[dict], scenario: str, num: str, den: str) -> List[float]:
    """records/s of `num` over `den` run by run (run i of one against run i of the other:
    they ran one after the other, under the most similar load)."""
    a = {r["run"]: r.get("records_per_s") for r in runs_of(results, scenario, num)}
    b = {r["run"]: r.get("records_per_s") for r in runs_of(results, scenario, den)}
    return [a[i] / b[i] for i in sorted(a) if i in b and a[i] and b[i]]


def cpu_bound_targets(results: List[dict]) -> List[Tuple[str, str, Optional[bool]]]:
    """Issue 18's targets, which look at every run, not only at medians."""
    out = []
    ratios = paired_ratios(results, "backlog", "strait", "mm2-tuned")
    out.append(("backlog ≥ 1.5 × MirrorMaker 2 tuned in every run (run by run)",
                ", ".join(f"{r:.2f}×" for r in ratios) or "not measured",
                min(ratios) >= 1.5 if ratios else None))
    st, tuned = summary(results, "backlog", "strait"), summary(results, "backlog", "mm2-tuned")
    cpu = {r["run"]: r.get("cpu_s_per_gb") for r in runs_of(results, "backlog", "strait")}
    each = [cpu[r["run"]] / r["cpu_s_per_gb"] for r in runs_of(results, "backlog", "mm2-tuned")
            if cpu.get(r["run"]) and r.get("cpu_s_per_gb")]
    if st and tuned and st.get("cpu_s_per_gb") and tuned.get("cpu_s_per_gb"):
        median = st["cpu_s_per_gb"] / tuned["cpu_s_per_gb"]
        out.append(("backlog CPU-s per GB ≤ ¼ of MirrorMaker 2 tuned (medians; then run by run)",
                    f"{median:.2f} ({st['cpu_s_per_gb']:.2f} / {tuned['cpu_s_per_gb']:.2f}); "
                    + ", ".join(f"{r:.2f}" for r in each), median <= 0.25))
    runs = runs_of(results, "backlog", "strait")
    busy = [r["machine_busy"] for r in runs if r.get("machine_busy") is not None]
    ceiling = ceiling_of(results)
    pipe = ceiling and ceiling["pipe"]["records_per_s"]
    share = statistics.median([r["records_per_s"] / pipe for r in runs]) if pipe and runs else None
    met = None
    if busy:
        met = statistics.median(busy) >= 0.9 or (share is not None and share >= 0.9)
    out.append(("backlog bound by CPU: machine ≥ 90 % busy during strait's copy (median), "
                "or strait ≥ 90 % of the broker pipe",
                (f"{100 * statistics.median(busy):.0f} % busy" if busy else "not measured")
                + (f"; {100 * share:.0f} % of the pipe" if share is not None else ""), met))
    return out


def target_rows(results: List[dict]) -> List[str]:
    mark = {True: "✅", False: "❌", None: "—"}
    return [f"| {name} | {value} | {mark[met]} |"
            for name, value, met in targets(results) + cpu_bound_targets(results)]


# ---- the section ------------------------------------------------------------------------

def section(meta: dict, results: List[dict], chart_name: Optional[str]) -> str:
    """The Markdown appended to docs/benchmarks.md for one run of the harness."""
    replicators = meta["replicators"]
    lines = [f"## {meta['started']} — {meta['mode']} run, commit {meta['commit']}", "",
             f"Command: `{meta['command']}`", "",
             f"Machine: {meta['machine']['cpu']}, {meta['machine']['memory']}, Linux "
             f"{meta['machine']['kernel']}, {meta['machine']['java']}, librdkafka "
             f"{meta['machine']['librdkafka']}, Kafka {meta['kafka']}; brokers `{meta['broker_jvm']}`.",
             "",
             f"Load average (1, 5, 15 min) before: {_load(meta['load_before'])}; after: "
             f"{_load(meta['load_after'])}. {meta['idle_note']}", ""]
    if meta.get("strait_overrides"):
        lines += ["strait ran with these overrides of its defaults (an experiment, not the "
                  "published configuration): "
                  + ", ".join(f"`{k}={v}`" for k, v in meta["strait_overrides"].items()), ""]
    if meta.get("wan_via"):
        lines += [WAN_VIA[meta["wan_via"]], ""]
    ceiling = ceiling_of(results)
    lines += [f"Ceiling **failed**: {r['error']}" for r in results
              if r.get("scenario") == "ceiling" and "error" in r]
    if ceiling:
        lines += ["| ceiling | records/s | MB/s |", "| --- | ---: | ---: |", *ceiling_rows(ceiling),
                  "", f"In the pipe, the perf tools themselves used "
                  f"{ceiling['pipe']['tools_cpu_s_per_gb']:.2f} CPU-s/GB (JVM start included) and "
                  f"the two brokers {ceiling['pipe']['broker_cpu_s_per_gb']:.2f} CPU-s/GB.", ""]
    rows = result_rows(results, replicators)
    if rows or ceiling:  # not for a run of the failover scenario alone
        lines += ["| scenario | replicator | records/s | MB/s | CPU-s/GB | peak RSS MB | "
                  "latency p50 / p99 / max ms | of ceiling | notes |",
                  "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |", *rows, "",
                  "| target | measured | |", "| --- | --- | --- |", *target_rows(results), ""]
    spreads = spread_rows(results, replicators)
    if spreads:
        lines += ["Every run of the transfers, median (min–max), replicators taking turns "
                  "(machine busy: the whole machine's CPU in use during the copy, brokers and "
                  "replicator included; other load: processes outside the bench):", "",
                  "| scenario | replicator | runs | " + " | ".join(h for h, *_ in RUN_FIGURES)
                  + " | records/s of each run, in order |",
                  "| --- | --- | ---: | " + " | ".join("---:" for _ in RUN_FIGURES) + " | --- |",
                  *spreads, ""]
    tls = tls_rows(results, replicators)
    if tls:
        lines += ["TLS on both sides against plaintext, same clusters, same run (replicator "
                  "CPU-s/GB; brokers' CPU-s/GB, both brokers together):", "",
                  "| replicator | plaintext records/s | TLS records/s | TLS / plaintext | "
                  "CPU-s/GB plaintext | CPU-s/GB TLS | brokers plaintext | brokers TLS |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |", *tls, ""]
    lines += failover_lines(results)
    if chart_name:
        lines += [f"![throughput over time]({chart_name})", ""]
    return "\n".join(lines) + "\n"


def failover_lines(results: List[dict]) -> List[str]:
    """The instance-failover scenario: one row per kill -9, then p50 and max."""
    out = []
    for r in results:
        if r.get("scenario") != "instance-failover":
            continue
        if "error" in r:
            out += [f"Instance failover **failed**: {r['error'].splitlines()[0][:200]}", ""]
            continue
        timeout = r.get("session_timeout_ms") or "10000 (default)"
        out += [f"Instance failover: 3 instances in group mode (`group.session.timeout.ms` "
                f"{timeout}), {r['partitions']} partitions, {r['rate']:,} records/s of "
                f"512 bytes; each round kills one instance with SIGKILL, times it on the "
                f"target as a read_committed consumer sees it, restarts it and waits until the "
                f"partitions are balanced again.", "",
                "| round | killed | its partitions | all of them flowing again after | "
                "longest pause of an unmoved partition | longest gap before the kill | "
                "load (1 min) | other load |",
                "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |"]
        out += [f"| {x['round']} | {x['killed']} | {', '.join(map(str, x['moved']))} | "
                f"{x['moved_flowing_s']:.1f} s | {x['unmoved_pause_s']:.1f} s | "
                f"{x['steady_gap_s']:.2f} s | {x['load_1m']:.2f} | "
                f"{100 * x['foreign_load']:.0f} % |" for x in r["rounds"]]
        out += [f"| **p50 / max** | | | **{r['moved_flowing_p50_s']:.1f} / "
                f"{r['moved_flowing_max_s']:.1f} s** | **{r['unmoved_pause_p50_s']:.1f} / "
                f"{r['unmoved_pause_max_s']:.1f} s** | | | |", ""]
    return out


def _load(values) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


# ---- the chart --------------------------------------------------------------------------

def chart(results: List[dict], path, record_size: int) -> bool:
    """Throughput over time (MB/s per second since the replicator started) for the backlog
    and WAN scenarios, one line per replicator (its first successful run). False if there
    is nothing to draw."""
    panels = [s for s in TRANSFERS if any(r.get("scenario") == s and r.get("series")
                                          for r in results)]
    if not panels:
        return False
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 3.6 * len(panels)), squeeze=False)
    for ax, scenario in zip(axes[:, 0], panels):
        for rep in LABELS:
            run = next((r for r in results if r.get("scenario") == scenario
                        and r.get("replicator") == rep and r.get("series")), None)
            if run:
                xs, ys = per_second(run["series"], record_size)
                ax.plot(xs, ys, label=LABELS.get(rep, rep), linewidth=1.4)
        ax.set_title(SCENARIOS[scenario])
        ax.set_xlabel("seconds since the replicator started")
        ax.set_ylabel("MB/s on the target")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def per_second(series: List[List[float]], record_size: int) -> Tuple[List[float], List[float]]:
    """MB/s in one-second steps from cumulative (seconds, records) samples."""
    if len(series) < 2:
        return [], []
    times = [p[0] for p in series]
    xs, ys = [], []
    for second in range(int(series[0][0]) + 1, int(series[-1][0]) + 1):
        now, before = _records_at(series, times, second), _records_at(series, times, second - 1)
        xs.append(second)
        ys.append((now - before) * record_size / 1e6)
    return xs, ys


def _records_at(series: List[List[float]], times: List[float], t: float) -> float:
    """Cumulative records at time t, interpolated between samples."""
    i = bisect.bisect_left(times, t)
    if i == 0:
        return series[0][1]
    if i >= len(series):
        return series[-1][1]
    (t0, n0), (t1, n1) = series[i - 1], series[i]
    return n1 if t1 == t0 else n0 + (n1 - n0) * (t - t0) / (t1 - t0)
