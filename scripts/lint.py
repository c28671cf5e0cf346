#!/usr/bin/env python3
"""Style checks that CI runs, failing on any finding:

  clang-format  every C++ file in git is formatted as .clang-format says (Google, 100 columns)
  clang-tidy    every translation unit of src/ passes .clang-tidy, with the build's
                compile_commands.json (build/ or $STRAIT_BUILD_DIR; run scripts/build.sh first)

  scripts/lint.py               both checks
  scripts/lint.py --format      clang-format only (no build needed)
  scripts/lint.py --fix         reformat the files in place, then check
  scripts/lint.py --analyzer    clang-tidy with Clang's static analyzer too (slow; not in CI)

clang-tidy takes seconds per file, so a clean result is remembered per translation unit in
$STRAIT_CACHE/tidy (default ~/.cache/strait/tidy), keyed by the contents of the unit, of
every project file it includes, of .clang-tidy, and by clang-tidy's version: a second run,
or a fresh clone on the same machine, checks only what changed. Findings are never cached.
"""

import argparse
import concurrent.futures
import hashlib
import json
import os
import pathlib
import shlex
import subprocess
import sys
from typing import Dict, List, Optional

REPO = pathlib.Path(__file__).resolve().parent.parent
FORMAT_GLOBS = ["src/*.cc", "src/*.h", "tests/*.cc", "bench/*.cc", "fuzz/*.cc", "fuzz/*.h"]


def tool(*names: str) -> str:
    for name in names:
        for d in os.environ.get("PATH", "").split(os.pathsep):
            if (pathlib.Path(d) / name).exists():
                return name
    sys.exit(f"lint: none of {', '.join(names)} is installed (scripts/setup.sh installs them)")


def cxx_files() -> List[str]:
    out = subprocess.run(["git", "ls-files", *FORMAT_GLOBS], cwd=REPO, check=True,
                         capture_output=True, text=True).stdout
    return [f for f in out.split() if f]


def check_format(fix: bool) -> bool:
    clang_format = tool("clang-format", "clang-format-14")
    files = cxx_files()
    if fix:
        subprocess.run([clang_format, "-i", *files], cwd=REPO, check=True)
    r = subprocess.run([clang_format, "--dry-run", "--Werror", *files], cwd=REPO,
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stderr)
        print("lint: clang-format: files above are not formatted; scripts/lint.py --fix "
              "formats them", file=sys.stderr)
        return False
    print(f"lint: clang-format: {len(files)} files formatted")
    return True


def object_of(command: str) -> Optional[str]:
    args = shlex.split(command)
    for i, a in enumerate(args[:-1]):
        if a == "-o":
            return args[i + 1]
    return None


def project_deps(build: pathlib.Path, obj: str) -> Optional[List[pathlib.Path]]:
    """The project files a unit includes, from ninja's dependency log; None if unknown."""
    r = subprocess.run(["ninja", "-C", str(build), "-t", "deps", obj], capture_output=True,
                       text=True)
    if r.returncode != 0 or "(VALID)" not in r.stdout:
        return None
    deps = []
    for line in r.stdout.splitlines()[1:]:
        if not line.strip():
            continue
        # Relative to the build folder when the build ran through ccache with a base dir.
        p = (build / line.strip()).resolve()
        if REPO in p.parents and build not in p.parents and p.is_file():
            deps.append(p)
    return sorted(set(deps))


def unit_key(source: pathlib.Path, deps: List[pathlib.Path], salt: bytes) -> str:
    h = hashlib.sha256(salt)
    for p in [source, *deps]:
        h.update(str(p.relative_to(REPO)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


ANALYZER = "clang-analyzer-*,-clang-analyzer-optin.performance.Padding"


def check_tidy(jobs: int, analyzer: bool) -> bool:
    clang_tidy = tool("clang-tidy", "clang-tidy-14")
    build = pathlib.Path(os.environ.get("STRAIT_BUILD_DIR", REPO / "build")).resolve()
    db = build / "compile_commands.json"
    if not db.exists():
        print(f"lint: {db} is missing: run scripts/build.sh first", file=sys.stderr)
        return False
    cache = pathlib.Path(os.environ.get("STRAIT_CACHE", pathlib.Path.home() / ".cache/strait"))
    cache = cache / "tidy"
    cache.mkdir(parents=True, exist_ok=True)
    version = subprocess.run([clang_tidy, "--version"], capture_output=True, text=True).stdout
    extra = [f"--checks={ANALYZER}"] if analyzer else []
    salt = version.encode() + (REPO / ".clang-tidy").read_bytes() + " ".join(extra).encode()

    units: Dict[pathlib.Path, Optional[str]] = {}
    for entry in json.loads(db.read_text()):
        source = pathlib.Path(entry["file"])
        if not source.is_relative_to(REPO / "src"):
            continue
        obj = object_of(entry["command"])
        deps = project_deps(build, obj) if obj else None
        units[source] = unit_key(source, deps, salt) if deps is not None else None

    def run(source: pathlib.Path) -> str:
        r = subprocess.run([clang_tidy, "-p", str(build), "--quiet", *extra, str(source)],
                           capture_output=True, text=True)
        findings = [l for l in r.stdout.splitlines() if ": warning: " in l or ": error: " in l]
        if r.returncode != 0 or findings:
            return r.stdout + r.stderr
        key = units[source]
        if key is not None:
            (cache / key).touch()
        return ""

    todo = [s for s, k in units.items() if k is None or not (cache / k).exists()]
    print(f"lint: clang-tidy: {len(units)} units, {len(units) - len(todo)} unchanged since a "
          f"clean check, checking {len(todo)}", flush=True)
    failed = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for source, report in zip(todo, pool.map(run, todo)):
            if report:
                failed.append(source)
                sys.stdout.write(report)
    if failed:
        print(f"lint: clang-tidy: findings in {len(failed)} units", file=sys.stderr)
        return False
    print("lint: clang-tidy: clean")
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--format", action="store_true", help="clang-format only")
    parser.add_argument("--fix", action="store_true", help="reformat in place first")
    parser.add_argument("--analyzer", action="store_true", help="also the static analyzer")
    parser.add_argument("-j", type=int, default=os.cpu_count() or 2, help="clang-tidy jobs")
    args = parser.parse_args()
    ok = check_format(args.fix)
    if not args.format:
        ok = check_tidy(args.j, args.analyzer) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
