"""What a partition can really do after a fault, measured against a real cluster: the
observation side of tests/test_audit.py.

Probes run in a child process (`python3 -m strait_testbed.audit_probe`) with a hard time
limit, because
librdkafka 2.0.2 can block past its own timeouts while a leader is unreachable (its watermark
query keeps asking a stale leader, kafka-testbed.md §7.5), and the child leaves with
os._exit so that no client destructor waits on a dead broker."""

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from typing import Dict, Iterable, List, Optional, Set, Tuple

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

from .kafka import QUIET

WRITABLE, ACKS1_ONLY, OFFLINE = "WRITABLE", "ACKS1-ONLY", "OFFLINE"


# ---- cluster state --------------------------------------------------------------------------

def snapshot(bootstrap: str) -> Tuple[Tuple[int, ...], Dict[Tuple[str, int], tuple]]:
    """Registered brokers and every partition's (leader, replicas, isr)."""
    md = AdminClient({"bootstrap.servers": bootstrap, **QUIET}).list_topics(timeout=5)
    parts = {}
    for t, tm in md.topics.items():
        for p, pm in tm.partitions.items():
            parts[(t, p)] = (pm.leader, tuple(pm.replicas), tuple(pm.isrs))
    return tuple(sorted(md.brokers)), parts


def settle(bootstrap: str, gone: Iterable[int], stable_s: float, timeout_s: float = 120):
    """Polls metadata until the brokers in `gone` are fenced (no longer registered) and
    nothing has changed for `stable_s` seconds; returns that state."""
    gone = set(gone)
    deadline = time.monotonic() + timeout_s
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        try:
            snap = snapshot(bootstrap)
        except Exception as e:  # noqa: BLE001 - a survivor may be electing: try again
            last, since = str(e), time.monotonic()
            time.sleep(0.25)
            continue
        if snap != last:
            last, since = snap, time.monotonic()
        elif not gone & set(snap[0]) and time.monotonic() - since >= stable_s:
            return snap
        time.sleep(0.25)
    raise AssertionError(f"cluster did not settle within {timeout_s} s (last: {last!r})")


def wait_healthy(bootstrap: str, brokers: Set[int], timeout_s: float = 120):
    """Polls until every broker is registered and every partition has its full ISR."""
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        try:
            regs, parts = snapshot(bootstrap)
            lagging = [k for k, (leader, reps, isr) in parts.items()
                       if leader < 0 or set(isr) != set(reps)]
            if set(regs) == brokers and not lagging:
                return
            last = (regs, lagging[:5])
        except Exception as e:  # noqa: BLE001
            last = str(e)
        time.sleep(0.25)
    raise AssertionError(f"cluster not healthy after {timeout_s} s (last: {last!r})")


# ---- probes (run in a child process) --------------------------------------------------------

def _produce_all(bootstrap: str, partitions, timeout_ms: int):
    """One record per partition with acks=all and one with acks=1, both at once."""
    results = {"all": {}, "1": {}}
    producers = {}
    for acks in ("all", "1"):
        # A few retries ride out a stale leader; NOT_ENOUGH_REPLICAS then surfaces at once
        # instead of being retried until the timeout.
        p = Producer({"bootstrap.servers": bootstrap, "acks": acks, "linger.ms": 0,
                      "message.timeout.ms": timeout_ms, "retries": 5,
                      "enable.idempotence": False, **QUIET})
        producers[acks] = p
        for topic, part in partitions:
            value = f"probe-{acks}-{uuid.uuid4().hex}".encode()

            def done(err, msg, key=(topic, part), value=value, out=results[acks]):
                out[key] = (err.name() if err else None, msg.offset(), value)
            p.produce(topic, value, partition=part, on_delivery=done)
    for p in producers.values():
        p.flush(timeout_ms / 1000 + 10)
    return results


def _read(consumer: Consumer, wanted: Dict[tuple, Tuple[int, bytes]], wait_s: float) -> set:
    """Reads every wanted (topic, partition) from its offset at once; returns the keys whose
    record came back. Records above the high watermark never do: that is what ACKS1-ONLY
    means for readers, so a partition expected to stay invisible costs the whole wait."""
    if not wanted:
        return set()
    consumer.assign([TopicPartition(t, p, off) for (t, p), (off, _) in wanted.items()])
    found = set()
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline and len(found) < len(wanted):
        for m in consumer.consume(100, 0.5):
            key = (m.topic(), m.partition())
            if not m.error() and key in wanted and wanted[key] == (m.offset(), m.value()):
                found.add(key)
    return found


def _classify(bootstrap: str, partitions, timeout_ms: int) -> Dict[str, dict]:
    produced = _produce_all(bootstrap, partitions, timeout_ms)
    seen, to_read = {}, {}
    for key in map(tuple, partitions):
        err_all, off_all, val_all = produced["all"].get(key, ("no callback", -1, b""))
        err_1, off_1, val_1 = produced["1"].get(key, ("no callback", -1, b""))
        seen[key] = {"acks_all": err_all, "acks_1": err_1}
        # The high watermark itself is often unavailable after an election (the new leader's
        # HWM lags its epoch start), so visibility is checked by reading.
        if err_all is None:
            to_read[key] = (off_all, val_all)
        elif err_1 is None:
            to_read[key] = (off_1, val_1)
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "audit-probe-reader",
                         "enable.auto.commit": False, **QUIET})
    visible = _read(consumer, to_read, 3)
    out = {}
    for key, s in seen.items():
        s["visible"] = key in visible
        if s["acks_all"] is None:
            s["class"] = WRITABLE if s["visible"] else "ANOMALY"
        elif s["acks_1"] is None:
            s["class"] = ACKS1_ONLY if not s["visible"] else "ANOMALY"
        else:
            s["class"] = OFFLINE
        out[f"{key[0]}/{key[1]}"] = s
    return out


def _commit_all(bootstrap: str, groups: List[str], topic: str) -> Dict[str, Optional[str]]:
    """Commits an offset for every group at once; None on success, else the error."""
    out: Dict[str, Optional[str]] = {}

    def commit(group):
        c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, **QUIET})
        try:
            res = c.commit(offsets=[TopicPartition(topic, 0, 1)], asynchronous=False)
            out[group] = str(res[0].error) if res and res[0].error else None
        except Exception as e:  # noqa: BLE001 - the error is the observation
            out[group] = str(e)
    threads = [threading.Thread(target=commit, args=(g,), daemon=True) for g in groups]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    for t in threads:
        t.join(max(0.1, deadline - time.monotonic()))
    for g in groups:
        out.setdefault(g, "no answer within 20 s")
    return out


def _main():
    args = json.loads(sys.argv[1])
    result = {"partitions": _classify(args["bootstrap"], args["partitions"], args["timeout_ms"])}
    if args.get("groups"):
        result["groups"] = _commit_all(args["bootstrap"], args["groups"], args["commit_topic"])
    sys.stdout.write(json.dumps(result))
    sys.stdout.flush()
    os._exit(0)  # skip client destructors that may wait on dead brokers


def probe(bootstrap: str, partitions: List[Tuple[str, int]], groups: List[str] = (),
          commit_topic: str = "", timeout_ms: int = 4000) -> dict:
    """Writes with acks=all and acks=1 to every partition, reads back, commits for every
    group; returns {"partitions": {"t/p": {"class": ...}}, "groups": {g: error or None}}."""
    args = {"bootstrap": bootstrap, "partitions": list(partitions), "groups": list(groups),
            "commit_topic": commit_topic, "timeout_ms": timeout_ms}
    # The package's parent folder, so that the child imports it as this process did.
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    proc = subprocess.run([sys.executable, "-m", "strait_testbed.audit_probe", json.dumps(args)],
                          capture_output=True, text=True, timeout=150, env=env)
    assert proc.returncode == 0, f"probe failed: {proc.stderr[-2000:]}"
    return json.loads(proc.stdout)


# ---- acknowledged records -------------------------------------------------------------------

class AckRecorder:
    """Writes acks=all records to some partitions in the background and remembers each
    acknowledged one: (topic, partition) -> {offset: (value, ack time)}."""

    def __init__(self, bootstrap: str, partitions: List[Tuple[str, int]], acks: str = "all"):
        self.partitions = partitions
        self.acked: Dict[Tuple[str, int], Dict[int, Tuple[bytes, float]]] = {
            tp: {} for tp in partitions}
        self._producer = Producer({"bootstrap.servers": bootstrap, "acks": acks,
                                   "linger.ms": 5, "message.timeout.ms": 10000,
                                   "enable.idempotence": False, **QUIET})
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        seq = 0
        while not self._stop.is_set():
            for tp in self.partitions:
                value = f"rec-{seq}".encode()
                seq += 1

                def done(err, msg, tp=tp, value=value):
                    if err is None:
                        self.acked[tp][msg.offset()] = (value, time.monotonic())
                try:
                    self._producer.produce(tp[0], value, partition=tp[1], on_delivery=done)
                except BufferError:
                    pass
            self._producer.poll(0.05)

    def start(self) -> "AckRecorder":
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join()
        self._producer.flush(30)

    def count(self) -> int:
        return sum(len(v) for v in self.acked.values())


def read_partitions(bootstrap: str, partitions: Iterable[Tuple[str, int]]
                    ) -> Dict[Tuple[str, int], Dict[int, bytes]]:
    """Every record of the partitions, (topic, partition) -> offset -> value."""
    partitions = list(partitions)
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "audit-verify",
                  "enable.auto.commit": False, **QUIET})
    try:
        ends = {tp: c.get_watermark_offsets(TopicPartition(*tp), timeout=10) for tp in partitions}
        c.assign([TopicPartition(t, p, ends[(t, p)][0]) for t, p in partitions])
        out: Dict[Tuple[str, int], Dict[int, bytes]] = {tp: {} for tp in partitions}

        def done():
            return all(max(out[tp], default=low - 1) >= high - 1 for tp, (low, high) in ends.items())
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not done():
            for m in c.consume(1000, 0.5):
                if not m.error():
                    out[(m.topic(), m.partition())][m.offset()] = m.value()
        return out
    finally:
        c.close()


def missing_acked(bootstrap: str, recorder: AckRecorder,
                  only: Iterable[Tuple[str, int]] = None) -> Dict[Tuple[str, int], List[int]]:
    """Acknowledged records that are no longer at their offset, per partition (of `only`)."""
    wanted = [tp for tp in recorder.acked if only is None or tp in only]
    logs = read_partitions(bootstrap, wanted)
    out = {}
    for tp in wanted:
        gone = sorted(o for o, (v, _) in recorder.acked[tp].items() if logs[tp].get(o) != v)
        if gone:
            out[tp] = gone
    return out


if __name__ == "__main__":
    _main()
