"""The steady-latency scenario's load: a producer at a fixed rate into the source topic, and
a consumer on the target that records, for every mirrored record, when it arrived and the
source record's timestamp (CreateTime, set by the producer when it handed the record over).

Each side runs as its own process (`python3 bench/latency.py produce|consume ...`), so that
neither waits for the other's share of Python's interpreter lock and the harness's samplers
do not disturb the arrival times.

  produce: writes `--rate` records/s for `--seconds`, then prints {"sent": N, "start_ms": T}.
  consume: prints "ready" once assigned, records (timestamp, arrival) pairs until it reads
           "stop N" on stdin and has N records (or `--drain-seconds` have passed), then
           writes the pairs to `--out` as two int64 arrays and prints {"received": N}.
"""

import argparse
import array
import json
import random
import sys
import threading
import time

from confluent_kafka import Consumer, Producer, TopicPartition

QUIET = {"log_level": 0}


def load_payloads(path: str):
    with open(path, "rb") as f:
        return [line.rstrip(b"\n") for line in f if line.strip()]


def produce(args) -> dict:
    """Paced by the clock, not by sleeps of a fixed length: at every turn the producer
    catches up to rate x elapsed, so short stalls do not lower the average rate."""
    payloads = load_payloads(args.payload_file)
    producer = Producer({"bootstrap.servers": args.bootstrap, "linger.ms": 1,
                         "compression.codec": "lz4", "acks": "all", **QUIET})
    start_ms = int(time.time() * 1000)
    start = time.monotonic()
    sent = 0
    while True:
        elapsed = time.monotonic() - start
        if elapsed >= args.seconds:
            break
        due = int(args.rate * elapsed)
        while sent < due:
            producer.produce(args.topic, value=random.choice(payloads))
            sent += 1
        producer.poll(0)
        time.sleep(0.0005)
    left = producer.flush(60)
    return {"sent": sent - left, "start_ms": start_ms}


class StopSignal(threading.Thread):
    """Reads "stop N" from stdin: the harness knows how many records to expect only once
    the producer has finished."""

    def __init__(self):
        super().__init__(daemon=True)
        self.expected = None
        self.event = threading.Event()

    def run(self):
        for line in sys.stdin:
            if line.startswith("stop"):
                self.expected = int(line.split()[1])
                self.event.set()
                return


def consume(args) -> dict:
    consumer = Consumer({"bootstrap.servers": args.bootstrap, "group.id": "strait-bench-latency",
                         "enable.auto.commit": False, "fetch.wait.max.ms": 5,
                         "enable.partition.eof": False, **QUIET})
    consumer.assign([TopicPartition(args.topic, p, 0) for p in range(args.partitions)])
    timestamps, arrivals = array.array("q"), array.array("q")

    def take(timeout: float):
        # One record per call, stamped as it is handed over: a batch call returns only when
        # its batch is full or its timeout has passed, which would add up to that timeout to
        # every record's latency (the ~33 ms "floor" of the first runs).
        m = consumer.poll(timeout)
        if m is not None and m.error() is None:
            arrivals.append(int(time.time() * 1000))
            timestamps.append(m.timestamp()[1])

    stop = StopSignal()
    stop.start()
    take(1.0)  # the first call connects and starts fetching
    print("ready", flush=True)
    drain_deadline = None
    while True:
        take(0.05)
        if stop.event.is_set():
            drain_deadline = drain_deadline or time.monotonic() + args.drain_seconds
            if len(timestamps) >= stop.expected or time.monotonic() > drain_deadline:
                break
    consumer.close()
    with open(args.out, "wb") as f:
        timestamps.tofile(f)
        arrivals.tofile(f)
    return {"received": len(timestamps)}


def read_pairs(path: str):
    """The (timestamps, arrivals) arrays written by `consume`."""
    data = array.array("q")
    with open(path, "rb") as f:
        data.frombytes(f.read())
    half = len(data) // 2
    return data[:half], data[half:]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    sub = ap.add_subparsers(dest="role", required=True)
    p = sub.add_parser("produce")
    p.add_argument("--bootstrap", required=True)
    p.add_argument("--topic", required=True)
    p.add_argument("--rate", type=int, required=True)
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--payload-file", required=True)
    c = sub.add_parser("consume")
    c.add_argument("--bootstrap", required=True)
    c.add_argument("--topic", required=True)
    c.add_argument("--partitions", type=int, required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--drain-seconds", type=float, default=60)
    args = ap.parse_args()
    result = produce(args) if args.role == "produce" else consume(args)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
