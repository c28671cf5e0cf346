#!/usr/bin/python3
"""Captures real Kafka record batches for the batch-forwarding micro-benchmark
(bench/batch_forward_bench.cc, docs/design/batch-forwarding.md).

Starts one single-broker test-bed cluster, fills a 12-partition topic the way the backlog
scenario does (Kafka's ProducerPerformance, the same lz4 producer settings and the same
512-byte JSON-like values, bench/scenarios.py and bench/run.py), then copies whole record
batches out of the partitions' log segments, partition 0 first, until the next batch would
pass --max-bytes. A segment file is nothing but the batches as the broker stored them, so
the output is a concatenation of real v2 batches: the Java producer's lz4 framing, the
broker's offsets, leader epoch and CRC. The cluster is stopped and deleted afterwards.

    PYTHONPATH=testbed /usr/bin/python3 bench/capture_batches.py \
        --out bench/testdata/backlog-lz4-512.batches
"""

import argparse
import pathlib
import struct
import sys
import tempfile

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "testbed"))
sys.path.insert(0, str(REPO / "bench"))

from run import write_payloads  # noqa: E402  (also sets the benchmark's broker JVM)
from scenarios import PERF_PRODUCER_PROPS  # noqa: E402
from perf_tools import PerfTools, parse_producer  # noqa: E402
from strait_testbed import ClusterSpec, TestBed  # noqa: E402
from strait_testbed import kafka as kafka_io  # noqa: E402

TOPIC = "backlog"
PARTITIONS = 12  # as the backlog scenario: batches are as large as its producer makes them
HEADER = struct.Struct(">qiibIhiqqqhii")  # a v2 batch header, 61 bytes
LZ4 = 3


def batches(segment: bytes):
    """Yields each whole batch of a segment file, checking what the benchmark relies on."""
    pos = 0
    while pos + HEADER.size <= len(segment):
        (_, length, _, magic, _, attributes, *_rest) = HEADER.unpack_from(segment, pos)
        end = pos + 12 + length
        if end > len(segment):
            return  # the broker was still writing this one
        if magic != 2 or attributes & 0x7 != LZ4:
            raise RuntimeError(f"batch at byte {pos}: magic {magic}, attributes {attributes}; "
                               f"expected v2 lz4")
        yield segment[pos:end]
        pos = end


def capture(data_dir: pathlib.Path, max_bytes: int) -> bytes:
    out = bytearray()
    for p in range(PARTITIONS):
        for segment in sorted((data_dir / f"{TOPIC}-{p}").glob("*.log")):
            for batch in batches(segment.read_bytes()):
                if len(out) + len(batch) > max_bytes:
                    return bytes(out)
                out += batch
    return bytes(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=pathlib.Path, required=True)
    ap.add_argument("--records", type=int, default=40_000, help="about 20 MB of values")
    ap.add_argument("--max-bytes", type=int, default=2_000_000)
    ap.add_argument("--port-base", type=int, default=30000)
    ap.add_argument("--root", type=pathlib.Path, default=pathlib.Path("/tmp/strait-capture"))
    args = ap.parse_args()

    TestBed(root=args.root, port_base=args.port_base).down()  # leftovers of a killed run
    bed = TestBed(root=args.root, port_base=args.port_base)
    try:
        (dc1,) = bed.up(ClusterSpec("dc1"))
        cluster = kafka_io.Cluster(dc1.bootstrap())
        cluster.create_topics({TOPIC: PARTITIONS})
        cluster.close()
        work = pathlib.Path(tempfile.mkdtemp(prefix="capture-", dir=args.root))
        payloads = work / "payloads.txt"
        write_payloads(payloads, 4096, 512)
        tools = PerfTools(bed.marker, work)
        proc = tools.producer(dc1.bootstrap(), TOPIC, args.records, payloads,
                              PERF_PRODUCER_PROPS, "fill")
        sent = parse_producer(PerfTools.wait(proc, "filling the topic"))
        data_dir = pathlib.Path(dc1.properties(dc1.brokers[0])["log.dirs"])
        captured = capture(data_dir, args.max_bytes)
    finally:
        bed.down()
    count = sum(1 for _ in batches(captured))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(captured)
    print(f"{sent.records} records produced; {count} batches, {len(captured):,} bytes "
          f"written to {args.out}")
    return 0 if count else 1


if __name__ == "__main__":
    sys.exit(main())
