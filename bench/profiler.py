"""`perf record` attached to a running replicator (`bench/run.py --profile`), so that the
closing notes of docs/benchmarks.md can say where strait's CPU goes, from a run of the
very scenario they describe.

A flat profile (no call graphs): Debian's librdkafka and glibc are built without frame
pointers, and DWARF unwinding costs more CPU than the replicator itself on two cores.
Sampling at 499 Hz costs about 1 % of a core.
"""

import pathlib
import shutil
import signal
import subprocess
from typing import Optional


class Profiler:
    """One `perf record -p PID` process; `stop()` ends it and writes the top symbols."""

    FREQUENCY = 499

    def __init__(self, pid: int, workdir: pathlib.Path):
        self.data = workdir / "perf.data"
        self.report = workdir / "perf-top.txt"
        self.proc: Optional[subprocess.Popen] = None
        if shutil.which("perf") is None:
            self.report.write_text("perf is not installed (apt-get install linux-perf)\n")
            return
        self.proc = subprocess.Popen(
            ["perf", "record", "-F", str(self.FREQUENCY), "-p", str(pid), "-o", str(self.data)],
            stdout=subprocess.DEVNULL, stderr=open(workdir / "perf-record.log", "wb"))

    def stop(self) -> Optional[pathlib.Path]:
        """SIGINT makes perf write its data file; then the report, by DSO and symbol."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        with open(self.report, "w") as out:
            for sort in ("dso", "dso,sym"):
                out.flush()
                subprocess.run(["perf", "report", "-i", str(self.data), "--stdio",
                                "--no-children", "--sort", sort, "--percent-limit", "0.5"],
                               stdout=out, stderr=subprocess.DEVNULL, timeout=300)
        return self.report
