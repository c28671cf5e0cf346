#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang in ./build-fuzz and runs each for a bounded
# time on its seed corpus (fuzz/corpus/<target>/). Usage:
#   scripts/fuzz.sh [SECONDS] [TARGET...]     # default: 25 s each, every target
# Targets run side by side, one per core (STRAIT_FUZZ_JOBS=N to change). Inputs the fuzzer
# finds interesting are kept in build-fuzz/corpus/<target>/ (not in git), so later runs start
# from them; a crash is saved in build-fuzz/artifacts/ and printed with the command that
# reproduces it. Exit 1 if any target found a problem.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${STRAIT_FUZZ_BUILD_DIR:-$here/build-fuzz}
seconds=${1:-${STRAIT_FUZZ_SECONDS:-25}}
shift || true
targets=("$@")

CC=clang-14 CXX=clang++-14 cmake -S "$here" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRAIT_FUZZ=ON -DSTRAIT_BENCH=OFF >/dev/null
ninja -C "$build" fuzzers
if ((${#targets[@]} == 0)); then  # every target fuzz/CMakeLists.txt built
  mapfile -t targets < <(cd "$build/fuzz" && ls -- *_fuzz | sed 's/_fuzz$//')
fi

# Extra seed directories and dictionaries per target.
declare -A seeds=([cluster_json]="$here/src/audit/testdata" [mm2_import]="$here/src/migrate/testdata")
declare -A dicts=([config]=config [cluster_json]=audit [operator_file]=audit)

# One target: its report goes to artifacts/<target>.report, and artifacts/<target>.failed
# marks a problem found.
fuzz_one() {
  local t=$1 binary="$build/fuzz/${1}_fuzz" work="$build/corpus/$1" log="$build/artifacts/$1.log"
  local report="$build/artifacts/$1.report"
  mkdir -p "$work"
  rm -f "$build/artifacts/$t.failed"
  local args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
              -artifact_prefix="$build/artifacts/$t-")
  [ -n "${dicts[$t]:-}" ] && args+=(-dict="$here/fuzz/dict/${dicts[$t]}.dict")
  echo "== fuzz $t for ${seconds}s" >"$report"
  # shellcheck disable=SC2086 # the extra seed directories are a list
  if "$binary" "${args[@]}" "$work" "$here/fuzz/corpus/$t" ${seeds[$t]:-} >"$log" 2>&1; then
    { grep -E "^stat::number_of_executed_units|^Done " "$log" | tr '\n' ' '
      echo "(corpus: $(ls "$work" | wc -l) inputs)"; } >>"$report"
  else
    touch "$build/artifacts/$t.failed"
    { grep -A40 -E "^==[0-9]+==|property violated|deadly signal|Test unit written" "$log" | head -60
      artifact=$(grep -o "Test unit written to [^ ]*" "$log" | tail -1 | cut -d' ' -f5)
      echo "fuzz: $t failed; reproduce with: $binary ${artifact:-<artifact>} (full log: $log)"
    } >>"$report"
  fi
}

failed=()
mkdir -p "$build/artifacts"
for t in "${targets[@]}"; do
  [ -x "$build/fuzz/${t}_fuzz" ] || { echo "fuzz: no target $t ($build/fuzz/${t}_fuzz not built)" >&2; exit 2; }
done
# As many targets at once as there are cores (each fuzzer uses one): in CI the fuzzers
# often run after the end-to-end suite, and one at a time they left a core idle.
parallel=${STRAIT_FUZZ_JOBS:-$(nproc)}
for t in "${targets[@]}"; do
  while (($(jobs -rp | wc -l) >= parallel)); do wait -n || true; done
  fuzz_one "$t" &
done
wait
for t in "${targets[@]}"; do
  cat "$build/artifacts/$t.report"
  [ ! -e "$build/artifacts/$t.failed" ] || failed+=("$t")
done
if ((${#failed[@]})); then
  echo "fuzz: problems found by: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: no problem found in ${#targets[@]} targets"
