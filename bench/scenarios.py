"""The benchmark scenarios. Each function runs one replicator once (or, for the ceiling, the
perf tools) on the bench's clusters and returns a JSON-ready dict of what it measured.

The same methods apply to every replicator: progress is the target's end offsets, CPU and
memory come from /proc for the replicator's process tree, and a run's topics are deleted
afterwards so that the brokers carry the same load for every run.
"""

import contextlib
import dataclasses
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time
from typing import Callable, Dict, Iterator, List, Optional

import latency
import timeline as pipeline_timeline
from meters import ProgressMeter, ResourceMeter
from perf_tools import PerfTools, parse_consumer, parse_producer
from profiler import Profiler
from replicators import TARGET_ALIAS, Flow, Replicator, Running, Strait
from strait_testbed import kafka as kafka_io
from strait_testbed.arrivals import ArrivalMeter
from strait_testbed.instances import shared_by_all, split
from strait_testbed.strait import Strait as StraitProcess

BACKLOG_TOPIC = "backlog"
# The produce side of the ceiling and of the backlog fill: the batching a throughput-minded
# Java producer would use; lz4 like the backlog.
PERF_PRODUCER_PROPS = {"acks": "all", "compression.type": "lz4", "linger.ms": "10",
                       "batch.size": "262144"}
GB = 1e9
MB = 1e6


@dataclasses.dataclass
class Sizes:
    backlog_records: int
    latency_warmup_s: float
    latency_measure_s: float
    many_topics: int
    many_partitions: int  # per topic
    new_topic_cap_s: float
    run_timeout_s: float
    wan_cap_s: float  # a window-limited client may need hours for the whole backlog
    backlog_partitions: int = 12
    record_size: int = 512
    latency_rate: int = 5000
    latency_partitions: int = 12
    many_records: int = 5  # per partition
    new_topic_partitions: int = 10
    failover_rounds: int = 5  # kill -9s of one of three instances, each after a rebalance
    failover_rate: int = 3000  # records/s into the failover topic
    failover_partitions: int = 12
    # The 10,000-partition start (scenario partitions10k): issue 15's size in every mode.
    start_topics: int = 100
    start_partitions: int = 100  # per topic
    start_cap_s: float = 600


# The sizes: >= 1 GB of 512-byte lz4 records in 12 partitions, a minute of steady
# load after warm-up, 10 x 100 partitions, a 120 s cap for a new topic.
FULL = Sizes(backlog_records=2_000_000, latency_warmup_s=15, latency_measure_s=60,
             many_topics=10, many_partitions=100, new_topic_cap_s=120, run_timeout_s=1200,
             wan_cap_s=300)
QUICK = Sizes(backlog_records=200_000, latency_warmup_s=5, latency_measure_s=15,
              many_topics=4, many_partitions=50, new_topic_cap_s=30, run_timeout_s=300,
              wan_cap_s=120, failover_rounds=2)


class Context:
    """What every scenario needs: the clusters, the tools, where to write, the sizes."""

    def __init__(self, bed, out: pathlib.Path, sizes: Sizes, payload_file: pathlib.Path,
                 profile: bool = False, link=None, timeline: bool = False):
        self.bed = bed
        self.link = link  # strait_testbed.link.WanLink, or None: the WAN goes through toxiproxy
        self.profile = profile  # perf record strait in the backlog and WAN scenarios
        self.timeline = timeline  # sample strait's pipeline in the backlog scenarios (timeline.py)
        self.out = out
        self.sizes = sizes
        self.payload_file = payload_file
        self.dc1 = kafka_io.Cluster(bed["dc1"].bootstrap())
        self.dc2 = kafka_io.Cluster(bed["dc2"].bootstrap())
        self.tools = PerfTools(bed.marker, out)
        self.cores = os.cpu_count() or 1
        self.fill: Optional[dict] = None
        self.many_ready: Dict[str, int] = {}  # ManyTopics prefix -> records per partition

    def close(self):
        self.dc1.close()
        self.dc2.close()

    def source_bootstrap(self, wan: bool) -> str:
        if wan and self.link:
            return self.bed["dc1"].bootstrap(link=True)
        return self.bed["dc1"].bootstrap(wan=wan)

    def target_bootstrap(self, wan: bool) -> str:
        """From inside the link's namespace, dc2 too is reached through the (undelayed) link."""
        return self.bed["dc2"].bootstrap(link=True) if wan and self.link else self.dc2.bootstrap

    def prefix(self, wan: bool) -> List[str]:
        return self.link.wrap([]) if wan and self.link else []

    def set_wan_round_trip(self, ms: int):
        if self.link:
            self.link.set_round_trip(ms)
        else:
            self.bed.set_latency("dc1", ms)

    def meter(self, replicator_pid: int) -> ResourceMeter:
        brokers = [n.pid for c in self.bed.clusters.values() for n in c.nodes]
        proxy = self.link.pid if self.link else self.bed.proxy_pid
        return ResourceMeter({"replicator": [replicator_pid], "brokers": brokers,
                              "proxy": [proxy]}).start()

    def clean(self, alias: str):
        """Deletes every topic a run created on either cluster (they carry its alias)."""
        for cluster in (self.dc2, self.dc1):
            cluster.delete_topics(cluster.topics_containing(alias))


def wait_until(done: Callable[[], bool], timeout: float, run: Optional[Running] = None,
               interval: float = 0.25) -> bool:
    """Polls `done` until it holds or `timeout` passes; fails fast if the replicator died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if run is not None and not run.alive():
            raise RuntimeError(f"replicator exited with {run.proc.returncode}:\n{run.log_tail()}")
        try:
            if done():
                return True
        except kafka_io.KafkaException:
            pass  # a topic being created has no leader yet
        time.sleep(interval)
    return False


@contextlib.contextmanager
def replicator_run(ctx: Context, rep: Replicator, flow: Flow,
                   prefix: List[str] = (), clean: bool = True,
                   suffix: str = "") -> Iterator[tuple]:
    """Starts the replicator with its resource meter; stops both and (unless told not to,
    for a restart against the same remote topics) deletes the run's topics however the
    block ends."""
    run = rep.start(flow, ctx.out / "runs" / (flow.alias + suffix), prefix)
    meter = ctx.meter(run.pid)
    try:
        yield run, meter
    finally:
        meter.stop()
        run.stop()
        if clean:
            ctx.clean(flow.alias)


# ---- ceiling and backlog ----------------------------------------------------------------

def prepare_backlog(ctx: Context) -> dict:
    """Fills the source topic with ProducerPerformance; its rate is the produce ceiling."""
    if ctx.fill is not None:
        return ctx.fill
    s = ctx.sizes
    ctx.dc1.create_topics({BACKLOG_TOPIC: s.backlog_partitions})
    proc = ctx.tools.producer(ctx.dc1.bootstrap, BACKLOG_TOPIC, s.backlog_records,
                              ctx.payload_file, PERF_PRODUCER_PROPS, "fill")
    result = parse_producer(PerfTools.wait(proc, "filling the backlog"))
    total = ctx.dc1.total([BACKLOG_TOPIC])
    if total != s.backlog_records:
        raise RuntimeError(f"backlog has {total} records, expected {s.backlog_records}")
    ctx.fill = {"records": total, "records_per_s": result.records_per_s,
                "mb_per_s": result.records_per_s * s.record_size / MB}
    return ctx.fill


def ceiling(ctx: Context) -> dict:
    """What the brokers sustain with Kafka's own Java clients: the produce rate (from the
    fill), the consume rate alone, and a "pipe": ConsumerPerformance reading the backlog
    from dc1 while ProducerPerformance writes as many records to dc2, both at once. The
    pipe's rate (the slower of the two) is the broker ceiling replicators are compared to."""
    s = ctx.sizes
    fill = prepare_backlog(ctx)
    consume = _consume_alone(ctx)
    ctx.dc2.create_topics({"ceiling": s.backlog_partitions})
    try:
        pipe = _pipe(ctx)
    finally:
        ctx.dc2.delete_topics(["ceiling"])
    return {"scenario": "ceiling", "produce": fill, "consume": consume, "pipe": pipe}


def _rate(records_per_s: float, record_size: int) -> dict:
    return {"records_per_s": records_per_s, "mb_per_s": records_per_s * record_size / MB}


def _consume_alone(ctx: Context) -> dict:
    s = ctx.sizes
    proc = ctx.tools.consumer(ctx.dc1.bootstrap, BACKLOG_TOPIC, s.backlog_records, "consume")
    return _rate(parse_consumer(PerfTools.wait(proc, "ConsumerPerformance")).records_per_s,
                 s.record_size)


def _pipe(ctx: Context) -> dict:
    s = ctx.sizes
    started = time.monotonic()
    consumer = ctx.tools.consumer(ctx.dc1.bootstrap, BACKLOG_TOPIC, s.backlog_records,
                                  "pipe-consume")
    producer = ctx.tools.producer(ctx.dc2.bootstrap, "ceiling", s.backlog_records,
                                  ctx.payload_file, PERF_PRODUCER_PROPS, "pipe-produce")
    meter = ResourceMeter({"consumer": [consumer.pid], "producer": [producer.pid],
                           "brokers": [n.pid for c in ctx.bed.clusters.values()
                                       for n in c.nodes]}).start()
    try:
        c = parse_consumer(PerfTools.wait(consumer, "ConsumerPerformance"))
        p = parse_producer(PerfTools.wait(producer, "ProducerPerformance"))
    finally:
        meter.stop()
    end = time.monotonic()
    gb = s.backlog_records * s.record_size / GB
    tools_cpu = meter.cpu("consumer", end) + meter.cpu("producer", end)
    return {**_rate(min(c.records_per_s, p.records_per_s), s.record_size),
            "consume_records_per_s": c.records_per_s, "produce_records_per_s": p.records_per_s,
            "tools_cpu_s_per_gb": tools_cpu / gb,
            "broker_cpu_s_per_gb": (meter.cpu("brokers", end) - meter.cpu("brokers", started)) / gb,
            "tools_peak_rss_mb": (meter.peak_rss("consumer") + meter.peak_rss("producer")) / MB}


def backlog(ctx: Context, rep: Replicator, index: int, wan: bool = False,
            tls: bool = False) -> dict:
    """Scenario 1 (and 3 with `wan`; 1b with `tls`, through both clusters' TLS listeners):
    mirror the pre-filled topic into an empty target and time it from the first record on
    the target to the last."""
    s = ctx.sizes
    prepare_backlog(ctx)
    tag = "wan" if wan else "tls" if tls else "bk"
    if tls:
        flow = Flow(f"{rep.alias_prefix}_{tag}{index}", ctx.bed["dc1"].bootstrap(listener="TLS"),
                    ctx.bed["dc2"].bootstrap(listener="TLS"), [BACKLOG_TOPIC],
                    str(ctx.bed["dc1"].ca.cert))
    else:
        flow = Flow(f"{rep.alias_prefix}_{tag}{index}", ctx.source_bootstrap(wan),
                    ctx.target_bootstrap(wan), [BACKLOG_TOPIC])
    remote = flow.remote(BACKLOG_TOPIC)
    expected = s.backlog_records
    limit_s = s.wan_cap_s if wan else s.run_timeout_s
    strait = rep.key.startswith("strait")
    sampled = ctx.timeline and strait
    if sampled:
        rep = rep.with_overrides(pipeline_timeline.strait_settings(ctx.out / "runs" / flow.alias))
    if wan:
        ctx.set_wan_round_trip(50)
    try:
        with replicator_run(ctx, rep, flow, ctx.prefix(wan)) as (run, meter):
            progress = ProgressMeter(lambda: ctx.dc2.total([remote])).start()
            timeline = pipeline_timeline.Timeline(run.pid, rep.http_port, run.log_path.parent) \
                if sampled else None
            if timeline:
                timeline.start()
            profiler = None
            try:
                if ctx.profile and strait:
                    # Attached once records flow: perf -p follows only the threads that
                    # exist when it attaches, and by then librdkafka has started all of its.
                    wait_until(lambda: progress.latest() > 0, limit_s, run, 0.05)
                    profiler = Profiler(run.pid, run.log_path.parent, offcpu=True)
                complete = wait_until(lambda: progress.latest() >= expected, limit_s, run)
            finally:
                progress.stop()
                if timeline:
                    timeline.stop()
                if profiler is not None:
                    profiler.stop()
    finally:
        if wan:
            ctx.set_wan_round_trip(0)
    scenario = "wan" if wan else "backlog-tls" if tls else "backlog"
    figures = transfer_figures(ctx, run, meter, progress, expected)
    if timeline and progress.first_time_above(0):
        window = (progress.first_time_above(0)[0],
                  progress.first_time_at_least(expected) or progress.points()[-1][0])
        figures["timeline"] = pipeline_timeline.build(
            timeline, progress.points(), window, run.started, remote, BACKLOG_TOPIC, ctx.cores,
            s.record_size)
    return {"scenario": scenario, "replicator": rep.key, "run": index,
            "complete": complete, **figures}


def transfer_figures(ctx: Context, run: Running, meter: ResourceMeter, progress: ProgressMeter,
                     expected: int) -> dict:
    """Rates over the transfer window: from the first sample that saw records on the
    target to the first that saw all of them (or the last sample, if it never did)."""
    s = ctx.sizes
    points = progress.points()
    first = progress.first_time_above(0)
    if first is None:
        return {"records": 0, "series": []}
    t_first, n_first = first
    t_done = progress.first_time_at_least(expected) or points[-1][0]
    n_done = min(expected, max(n for t, n in points if t <= t_done))
    seconds = max(1e-9, t_done - t_first)
    gb = (n_done - n_first) * s.record_size / GB
    records_per_s = (n_done - n_first) / seconds
    return {
        "records": n_done,
        "records_per_s": records_per_s,
        "mb_per_s": records_per_s * s.record_size / MB,
        "startup_s": t_first - run.started,
        "transfer_s": seconds,
        "cpu_s_per_gb": (meter.cpu("replicator", t_done) - meter.cpu("replicator", t_first)) / gb,
        "cpu_s_total": meter.cpu("replicator", t_done),
        "broker_cpu_s_per_gb": (meter.cpu("brokers", t_done) - meter.cpu("brokers", t_first)) / gb,
        "proxy_cpu_s_per_gb": (meter.cpu("proxy", t_done) - meter.cpu("proxy", t_first)) / gb,
        "peak_rss_mb": meter.peak_rss("replicator") / MB,
        "foreign_load": meter.foreign_fraction(t_first, t_done, ctx.cores),
        "machine_busy": meter.busy_fraction(t_first, t_done, ctx.cores),
        "series": [[round(t - run.started, 3), n] for t, n in points],
    }


# ---- steady latency ---------------------------------------------------------------------

def steady_latency(ctx: Context, rep: Replicator, index: int) -> dict:
    """Scenario 2: a fixed rate into a fresh source topic once the replicator mirrors it;
    end-to-end latency is (arrival on the target - source record timestamp) for the
    records produced after the warm-up."""
    s = ctx.sizes
    topic = f"steady_{rep.alias_prefix}{index}"
    flow = Flow(f"{rep.alias_prefix}_lat{index}", ctx.source_bootstrap(False), ctx.dc2.bootstrap,
                [topic])
    remote = flow.remote(topic)
    ctx.dc1.create_topics({topic: s.latency_partitions})
    probe = b"probe"
    kafka_io.produce_per_partition(ctx.dc1.bootstrap, {topic: s.latency_partitions}, 1, probe)
    try:
        with replicator_run(ctx, rep, flow) as (run, meter):
            if not wait_until(lambda: ctx.dc2.total([remote]) >= s.latency_partitions,
                              s.run_timeout_s, run):
                raise RuntimeError(f"{rep.key} did not start mirroring {topic}")
            mirroring_s = time.monotonic() - run.started
            result = _measure_latency(ctx, (ctx.dc1.bootstrap, topic), (ctx.dc2.bootstrap, remote),
                                      meter)
    finally:
        ctx.dc1.delete_topics([topic])
    return {"scenario": "latency", "replicator": rep.key, "run": index,
            "mirroring_after_s": mirroring_s, **result}


def latency_floor(ctx: Context) -> dict:
    """The same load and measurement with no replicator: the producer writes straight into
    a dc2 topic that the consumer reads. What the clients and one broker cost on their own;
    a replicator adds one consume and one produce on top of it."""
    s = ctx.sizes
    topic = "steady_floor"
    ctx.dc2.create_topics({topic: s.latency_partitions})
    kafka_io.produce_per_partition(ctx.dc2.bootstrap, {topic: s.latency_partitions}, 1, b"probe")
    try:
        result = _measure_latency(ctx, (ctx.dc2.bootstrap, topic), (ctx.dc2.bootstrap, topic))
    finally:
        ctx.dc2.delete_topics([topic])
    return {"scenario": "latency", "replicator": NO_REPLICATOR, "run": 1, **result}


NO_REPLICATOR = "none"


def _measure_latency(ctx: Context, source: tuple, target: tuple,
                     meter: Optional[ResourceMeter] = None) -> dict:
    """Runs the steady producer into `source` (bootstrap, topic) and the timing consumer on
    `target`; the target topic already holds one probe record per partition."""
    s = ctx.sizes
    pairs_path = ctx.out / "runs" / f"{target[1]}.latency"
    pairs_path.parent.mkdir(parents=True, exist_ok=True)
    consumer = _latency_process(["consume", "--bootstrap", target[0], "--topic", target[1],
                                 "--partitions", str(s.latency_partitions),
                                 "--out", str(pairs_path)], stdin=subprocess.PIPE)
    try:
        if consumer.stdout.readline().strip() != b"ready":
            raise RuntimeError("the latency consumer did not start")
        seconds = s.latency_warmup_s + s.latency_measure_s
        producer = _latency_process(["produce", "--bootstrap", source[0], "--topic", source[1],
                                     "--rate", str(s.latency_rate), "--seconds", str(seconds),
                                     "--payload-file", str(ctx.payload_file)])
        produced = json.loads(producer.communicate(timeout=seconds + 120)[0])
        t_end = time.monotonic()
        t_start = t_end - s.latency_measure_s
        expected = produced["sent"] + s.latency_partitions  # and the probes
        consumer.stdin.write(f"stop {expected}\n".encode())
        consumer.stdin.flush()
        received = json.loads(consumer.communicate(timeout=180)[0].splitlines()[-1])
    finally:
        if consumer.poll() is None:
            consumer.kill()
    window = (produced["start_ms"] + s.latency_warmup_s * 1000,
              produced["start_ms"] + (s.latency_warmup_s + s.latency_measure_s) * 1000)
    stats = latency_stats(pairs_path, window)
    gb = stats["records"] * s.record_size / GB
    out = {**stats, "sent": produced["sent"],
           "received": received["received"] - s.latency_partitions,
           "records_per_s": stats["records"] / s.latency_measure_s,
           "mb_per_s": stats["records"] * s.record_size / s.latency_measure_s / MB}
    if meter is not None:
        out.update({
            "cpu_s_per_gb": (meter.cpu("replicator", t_end) - meter.cpu("replicator", t_start)) / gb
            if gb else None,
            "peak_rss_mb": meter.peak_rss("replicator") / MB,
            "foreign_load": meter.foreign_fraction(t_start, t_end, ctx.cores)})
    return out


def _latency_process(args: List[str], stdin=None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(pathlib.Path(latency.__file__)), *args],
                            stdin=stdin, stdout=subprocess.PIPE)


def latency_stats(pairs_path: pathlib.Path, window: tuple) -> dict:
    """p50/p99/max of arrival - timestamp over the records stamped inside the window."""
    timestamps, arrivals = latency.read_pairs(str(pairs_path))
    lat = sorted(a - t for t, a in zip(timestamps, arrivals) if window[0] <= t < window[1])
    if not lat:
        return {"records": 0}
    return {"records": len(lat), "p50_ms": percentile(lat, 50), "p99_ms": percentile(lat, 99),
            "max_ms": lat[-1], "mean_ms": statistics.fmean(lat)}


def percentile(sorted_values: List[float], p: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100 * len(sorted_values) + 0.5)) - 1))
    return float(sorted_values[k])


# ---- many partitions --------------------------------------------------------------------

@dataclasses.dataclass
class ManyTopics:
    """One size of the many-partitions start: `topics` topics named `<prefix>NN` of
    `partitions` partitions each. Each size has its own names, so that one run's flows
    do not pick up the other size's topics."""
    scenario: str
    prefix: str
    topics: int
    partitions: int
    timeout_s: float
    new_topic: bool  # also time a topic created while the replicator runs
    # Then also time a restart: stop the replicator once all is mirrored, write as many
    # records again, start it again against the remote topics it created.
    restart: bool = False

    def names(self) -> Dict[str, int]:
        return {f"{self.prefix}{i:02d}": self.partitions for i in range(self.topics)}


def many(sizes: Sizes) -> ManyTopics:
    return ManyTopics("partitions", "pt", sizes.many_topics, sizes.many_partitions,
                      sizes.run_timeout_s, True)


def three_thousand(sizes: Sizes) -> ManyTopics:
    """Issue 18's start of 3,000 partitions, against MirrorMaker 2 as well."""
    return ManyTopics("partitions3k", "pm", 30, sizes.many_partitions, sizes.run_timeout_s,
                      False)


def ten_thousand(sizes: Sizes) -> ManyTopics:
    return ManyTopics("partitions10k", "pk", sizes.start_topics, sizes.start_partitions,
                      sizes.start_cap_s, False, restart=True)


def prepare_many(ctx: Context, shape: ManyTopics):
    if shape.prefix in ctx.many_ready:
        return
    ctx.dc1.create_topics(shape.names())
    add_many_records(ctx, shape)


def add_many_records(ctx: Context, shape: ManyTopics):
    """sizes.many_records more records in every partition of the shape's source topics."""
    kafka_io.produce_per_partition(ctx.dc1.bootstrap, shape.names(), ctx.sizes.many_records,
                                   b"x" * ctx.sizes.record_size)
    ctx.many_ready[shape.prefix] = ctx.many_ready.get(shape.prefix, 0) + ctx.sizes.many_records


def many_partitions(ctx: Context, rep: Replicator, index: int,
                    shape: Optional[ManyTopics] = None) -> dict:
    """Scenario 4: time from start until every partition of many topics has its records on
    the target, then (for the default size) the time from creating a new topic until its
    first record arrives."""
    s = ctx.sizes
    shape = shape or many(s)
    prepare_many(ctx, shape)
    topics = shape.names()
    new_topic = f"{shape.prefix}new_{rep.alias_prefix}{index}"
    flow = Flow(f"{rep.alias_prefix}_{shape.prefix}{index}", ctx.source_bootstrap(False),
                ctx.dc2.bootstrap, [f"{shape.prefix}[0-9]+", new_topic])
    remotes = [flow.remote(t) for t in topics]
    partitions = sum(topics.values())
    new_s, restart = None, {}
    try:
        with replicator_run(ctx, rep, flow, clean=not shape.restart) as (run, meter):
            all_s = _all_mirrored_seconds(ctx, shape, remotes, run)
            if shape.new_topic:
                new_s = _new_topic_seconds(ctx, flow, new_topic, run)
            end = time.monotonic()
            cpu = meter.cpu("replicator", end)
            rss = meter.peak_rss("replicator")
        if shape.restart and all_s is not None:
            add_many_records(ctx, shape)
            with replicator_run(ctx, rep, flow, suffix="-restart") as (run, meter):
                again = _all_mirrored_seconds(ctx, shape, remotes, run)
                end = time.monotonic()
                restart = {"restart_all_mirroring_s": again,
                           "restart_cpu_s_total": meter.cpu("replicator", end),
                           "restart_peak_rss_mb": meter.peak_rss("replicator") / MB}
    finally:
        if shape.new_topic:
            ctx.dc1.delete_topics([new_topic])
        if shape.restart:
            ctx.clean(flow.alias)
    return {"scenario": shape.scenario, "replicator": rep.key, "run": index,
            "partitions": partitions, "all_mirroring_s": all_s,
            "timeout_s": shape.timeout_s, "new_topic_s": new_s,
            "new_topic_cap_s": s.new_topic_cap_s if shape.new_topic else None,
            "cpu_s_total": cpu, "peak_rss_mb": rss / MB, **restart}


def _all_mirrored_seconds(ctx: Context, shape: ManyTopics, remotes: List[str],
                          run: Running) -> Optional[float]:
    """Seconds from the replicator's start until every remote partition holds every record
    its source partition was given, or None after the shape's time limit."""
    want = ctx.many_ready[shape.prefix]
    partitions = shape.topics * shape.partitions
    done = wait_until(lambda: _mirrored_partitions(ctx, remotes, want) >= partitions,
                      shape.timeout_s, run, interval=0.5)
    return time.monotonic() - run.started if done else None


def _mirrored_partitions(ctx: Context, remotes: List[str], want: int) -> int:
    """Target partitions that hold (at least) `want` records."""
    return sum(1 for o in ctx.dc2.end_offsets(remotes).values() if o >= want)


def _new_topic_seconds(ctx: Context, flow: Flow, topic: str, run: Running) -> Optional[float]:
    s = ctx.sizes
    ctx.dc1.create_topics({topic: s.new_topic_partitions})
    created = time.monotonic()
    kafka_io.produce_per_partition(ctx.dc1.bootstrap, {topic: s.new_topic_partitions}, 1,
                                   b"x" * s.record_size)
    arrived = wait_until(lambda: ctx.dc2.total([flow.remote(topic)]) > 0, s.new_topic_cap_s, run)
    return time.monotonic() - created if arrived else None


# ---- instance failover ------------------------------------------------------------------

FAILOVER_TOPIC = "failover"
INSTANCES = 3
STEADY_S = 5  # of steady flow before each kill


def instance_failover(ctx: Context, rep: Strait) -> dict:
    """Scenario 5: three strait instances in group mode share a topic under a steady load;
    each round kills one of them with SIGKILL and measures, on the target as a
    read_committed consumer sees it, how long the killed instance's partitions stop (from
    the kill to the first record the new owner committed, the slowest partition counts)
    and the longest pause of a partition that did not move. Then it restarts the killed
    instance and waits until the partitions are balanced again."""
    s = ctx.sizes
    flow = Flow(f"{rep.alias_prefix}_fo", ctx.source_bootstrap(False), ctx.dc2.bootstrap,
                [FAILOVER_TOPIC])
    ctx.dc1.create_topics({FAILOVER_TOPIC: s.failover_partitions})
    producer = _latency_process(["produce", "--bootstrap", ctx.dc1.bootstrap, "--topic",
                                 FAILOVER_TOPIC, "--rate", str(s.failover_rate), "--seconds",
                                 str(s.run_timeout_s * 4), "--payload-file", str(ctx.payload_file)])
    instances = [_group_instance(ctx, rep, flow, i) for i in range(INSTANCES)]
    group = Group(instances, f"{flow.alias}->{TARGET_ALIAS}", s.failover_partitions)
    meter = ResourceMeter({"brokers": [n.pid for c in ctx.bed.clusters.values()
                                       for n in c.nodes]}).start()
    arrivals = None
    try:
        kafka_io.wait_for(group.shared, 180, "the partitions shared by the three instances")
        arrivals = ArrivalMeter(ctx.dc2.bootstrap, flow.remote(FAILOVER_TOPIC),
                                s.failover_partitions).start()
        rounds = [_failover_round(ctx, group, arrivals, meter, r)
                  for r in range(s.failover_rounds)]
    finally:
        if arrivals is not None:
            arrivals.stop()
        meter.stop()
        producer.kill()
        producer.wait(timeout=30)
        for i in instances:
            i.close()
        ctx.clean(flow.alias)
        ctx.dc1.delete_topics([FAILOVER_TOPIC])
    moved = sorted(r["moved_flowing_s"] for r in rounds)
    unmoved = sorted(r["unmoved_pause_s"] for r in rounds)
    return {"scenario": "instance-failover", "replicator": rep.key, "run": 1,
            "rounds": rounds, "rate": s.failover_rate, "partitions": s.failover_partitions,
            "session_timeout_ms": instances[0].config["group"].get("session.timeout.ms"),
            "moved_flowing_p50_s": statistics.median(moved), "moved_flowing_max_s": moved[-1],
            "unmoved_pause_p50_s": statistics.median(unmoved), "unmoved_pause_max_s": unmoved[-1],
            "foreign_load": max(r["foreign_load"] for r in rounds)}


class Group:
    """The instances of one flow and who mirrors which partition of the failover topic."""

    def __init__(self, instances: List[StraitProcess], flow: str, partitions: int):
        self.instances, self.flow, self.partitions = instances, flow, partitions

    def shared(self):
        return shared_by_all(self.instances, FAILOVER_TOPIC, self.partitions, self.flow)

    def balanced(self):
        """The split once no instance has more than two partitions more than another (the
        group also deals out the remote heartbeats topic's partition)."""
        shares = self.shared()
        sizes = [len(v) for v in (shares or {}).values()]
        return shares if sizes and max(sizes) - min(sizes) <= 2 else None

    def split_without(self, victim: int):
        return split([s for i, s in enumerate(self.instances) if i != victim], FAILOVER_TOPIC,
                     self.partitions, self.flow)


def _group_instance(ctx: Context, rep: Strait, flow: Flow, index: int) -> StraitProcess:
    """An instance with strait's defaults (and any --strait-set overrides) in group mode,
    on one of the bench's HTTP ports."""
    config = rep.config(flow)
    env = {k[4:]: v for k, v in rep.overrides.items() if k.startswith("env.")}
    s = StraitProcess(rep.binary, ctx.out / "runs" / f"{flow.alias}-i{index}", rep.marker,
                      config["clusters"], config["flows"], env=env, port=rep.http_port + index)
    s.write_config(group={"enabled": True, **config.get("group", {}), "instance.id": f"i{index}"})
    return s.start()


def _failover_round(ctx: Context, group: Group, arrivals: ArrivalMeter, meter: ResourceMeter,
                    index: int) -> dict:
    """One kill -9 of instance index % 3, measured, and its restart."""
    shares = kafka_io.wait_for(group.balanced, 180, "the partitions balanced over three instances")
    balanced = time.monotonic()
    kafka_io.wait_for(lambda: arrivals.all_since(balanced), 60, "every partition flowing")
    # A window of steady flow before the kill, to compare the pauses with.
    steady_from = time.monotonic()
    kafka_io.wait_for(lambda: arrivals.all_since(steady_from + STEADY_S), 60,
                      f"every partition flowing for {STEADY_S} s")
    victim = index % INSTANCES
    moved = shares[victim]
    killed_at = time.monotonic()
    group.instances[victim].kill()
    kafka_io.wait_for(lambda: group.split_without(victim), 120,
                      f"i{victim}'s partitions taken over by the others")
    taken_over = time.monotonic()
    # Every partition flowing for two seconds after the take-over: the rebalance it took
    # also paused, for a moment, the partitions that stayed.
    kafka_io.wait_for(lambda: arrivals.all_since(taken_over + 2), 120,
                      "every partition flowing after the take-over")
    end = time.monotonic()
    gaps = {p: arrivals.longest_gap(p, killed_at, end) for p in range(group.partitions)}
    flowing = {p: gaps[p][1] - killed_at for p in moved}
    paused = {p: to - since for p, (since, to) in gaps.items() if p not in moved}
    steady = max(to - since for since, to in
                 (arrivals.longest_gap(p, steady_from, killed_at) for p in gaps))
    group.instances[victim].start()
    return {"round": index + 1, "killed": f"i{victim}", "moved": sorted(moved),
            "moved_flowing_s": max(flowing.values()),
            "flowing_s": {str(p): round(v, 3) for p, v in sorted(flowing.items())},
            "unmoved_pause_s": max(paused.values()), "steady_gap_s": steady,
            "taken_over_s": taken_over - killed_at, "load_1m": os.getloadavg()[0],
            "foreign_load": meter.foreign_fraction(killed_at, end, ctx.cores)}
