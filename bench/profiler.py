"""`perf record` attached to a running replicator (`bench/run.py --profile`), so that the
closing notes of docs/benchmarks.md can say where strait's CPU goes, from a run of the
very scenario they describe.

A flat profile (no call graphs): Debian's librdkafka and glibc are built without frame
pointers, and DWARF unwinding costs more CPU than the replicator itself on two cores.
Sampling at 499 Hz costs about 1 % of a core.
"""

import collections
import pathlib
import re
import shutil
import signal
import subprocess
from typing import Dict, List, Optional, Tuple


def _record(args: List[str], workdir: pathlib.Path, log: str) -> subprocess.Popen:
    return subprocess.Popen(["perf", "record", *args], stdout=subprocess.DEVNULL,
                            stderr=open(workdir / log, "wb"))


def _end(proc: subprocess.Popen):
    """SIGINT makes perf write its data file."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Profiler:
    """One `perf record -p PID` process; `stop()` ends it and writes the top symbols. With
    `offcpu`, a second one records every time a thread of PID leaves its CPU
    (sched:sched_switch, with call chains) for perf-offcpu.txt: which threads sleep, where,
    and which were preempted while they still had work (the machine's CPU short)."""

    FREQUENCY = 499

    def __init__(self, pid: int, workdir: pathlib.Path, offcpu: bool = False):
        self.data = workdir / "perf.data"
        self.report = workdir / "perf-top.txt"
        self.offcpu_data = workdir / "perf-offcpu.data"
        self.offcpu_report = workdir / "perf-offcpu.txt"
        self.proc: Optional[subprocess.Popen] = None
        self.offcpu: Optional[subprocess.Popen] = None
        if shutil.which("perf") is None:
            self.report.write_text("perf is not installed (apt-get install linux-perf)\n")
            return
        self.proc = _record(["-F", str(self.FREQUENCY), "-p", str(pid), "-o", str(self.data)],
                            workdir, "perf-record.log")
        if offcpu:
            # DWARF call chains: glibc has no frame pointers, and with them every sleep
            # would end in a bare futex. Context switches are few, so this stays cheap.
            self.offcpu = _record(["-e", "sched:sched_switch", "--call-graph", "dwarf,16384",
                                   "-p", str(pid),
                                   "-o", str(self.offcpu_data)], workdir, "perf-offcpu.log")

    def stop(self) -> Optional[pathlib.Path]:
        """Ends the recording; then the report, by DSO and symbol."""
        if self.proc is None:
            return None
        _end(self.proc)
        if self.offcpu is not None:
            _end(self.offcpu)
            script = subprocess.run(["perf", "script", "-i", str(self.offcpu_data)],
                                    capture_output=True, text=True, errors="replace",
                                    timeout=300).stdout
            self.offcpu_report.write_text(render_offcpu(parse_switches(script)))
        with open(self.report, "w") as out:
            for sort in ("dso", "dso,sym"):
                out.flush()
                subprocess.run(["perf", "report", "-i", str(self.data), "--stdio",
                                "--no-children", "--sort", sort, "--percent-limit", "0.5"],
                               stdout=out, stderr=subprocess.DEVNULL, timeout=300)
        return self.report


# ---- off-CPU: where threads leave their CPU ---------------------------------------------

_EVENT = re.compile(r"^\s*(\S.*?)\s+(\d+)(?:/(\d+))?\s+.*sched:sched_switch:.*prev_state=(\S+)")
_FRAME = re.compile(r"^\s+[0-9a-f]+\s+(\S+?)(?:\+0x[0-9a-f]+)?\s+\((.*)\)$")

Switch = Tuple[str, str, Tuple[str, ...]]  # thread name, prev_state, user frames (innermost first)


def parse_switches(script: str) -> List[Switch]:
    """`perf script` of sched_switch events: per event, the thread, the state it left its
    CPU in (S/D asleep, R preempted), and its user-space call chain."""
    out: List[Switch] = []
    current = None
    for line in script.splitlines():
        if not line.strip():
            if current:
                out.append((current[0], current[1], tuple(current[2])))
            current = None
            continue
        m = _EVENT.match(line)
        if m:
            current = [m.group(1), m.group(4), []]
            continue
        f = _FRAME.match(line)
        if current is not None and f and "kernel.kallsyms" not in f.group(2):
            current[2].append(f.group(1))
    if current:
        out.append((current[0], current[1], tuple(current[2])))
    return out


def _group(comm: str) -> str:
    return "rdk:broker*" if comm.startswith("rdk:broker") else comm


def render_offcpu(switches: List[Switch], top: int = 6) -> str:
    """Per thread group: switches, how many were preemptions (R: runnable, no CPU free),
    and the call sites it went to sleep from."""
    by_thread: Dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    states: Dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for comm, state, frames in switches:
        g = _group(comm)
        states[g][state.rstrip("+")] += 1
        where = " <- ".join(f for f in frames[:4] if f != "[unknown]") or "(no user frames)"
        by_thread[g][where if not state.startswith("R") else "(preempted) " + where] += 1
    lines = [f"{len(switches)} context switches of strait's threads "
             "(R = preempted while runnable, S/D = asleep)", ""]
    for g in sorted(by_thread, key=lambda k: -sum(by_thread[k].values())):
        total = sum(by_thread[g].values())
        st = ", ".join(f"{k} {v}" for k, v in states[g].most_common())
        lines.append(f"{g}: {total} switches ({st})")
        for where, n in by_thread[g].most_common(top):
            lines.append(f"  {100 * n / total:5.1f} %  {where}")
    return "\n".join(lines) + "\n"
