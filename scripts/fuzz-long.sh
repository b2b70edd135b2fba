#!/usr/bin/env bash
# fuzz-long.sh [options] [target...]  -- long libFuzzer runs (not part of CI)
#
# CI fuzzes each target for MAILWIRE_FUZZ_SECONDS (20 s) from a fixed seed (scripts/test.sh,
# tests/fuzz/run_fuzzer.cmake). This script explores further: every target (or those named)
# runs for a given time or number of executions, with seeds of its own (and its dictionary,
# tests/fuzz/dict/<target>.dict, when it has one), in a fresh work corpus started from the
# committed seeds; afterwards the inputs that add coverage are merged into
# the committed corpus (libFuzzer -merge=1, so it grows only by what is new) and a report gives
# per target: executions, exec/s, coverage (cov = edges, ft = features) of the committed
# corpus before and after, its size before and after, and the findings. Crash, leak, timeout
# and out-of-memory inputs stay under the output folder, never in the checkout.
#
# Options:
#   -t SECONDS  fuzzing time per target (default 600); 0: no time limit (use -n)
#   -n RUNS     executions per target, shared among the workers (default: no limit); with -t
#               too, a target stops at whichever comes first
#   -j WORKERS  fuzzing processes per target, each with its own seed (default: the number of
#               cores; on a shared machine ask for fewer)
#   -s SEED     first seed (default: from the clock); worker w of target k uses SEED+100*k+w,
#               so reruns with another -s explore other paths and a run can be repeated
#   -b DIR      a clang build with -DMAILWIRE_FUZZ=ON (default: configured and built in
#               OUT/build: RelWithDebInfo, ASan+UBSan)
#   -o OUT      output folder (default /tmp/mailwire-fuzz-long): per target its work corpus,
#               worker logs and crashes/, and report.txt
#   -N NICE     nice level of the fuzzers (default 19)
#   -M          do not merge into the committed corpora (report only)
#   -l          list the targets and exit
# A worker interrupted with SIGINT (kill -INT PID) ends its target's run early: its executions
# count, it is no finding, and the merge and the next target follow.
# Extra libFuzzer flags can be given in FUZZ_FLAGS (e.g. FUZZ_FLAGS="-max_len=2048").
#
# Exit status: 0 when no target had a finding, 1 when one had, 2 usage or build errors.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=600
runs=0
workers=$(nproc 2>/dev/null || echo 1)
seed=$(( $(date +%s) % 100000 * 1000 ))
build=
out=/tmp/mailwire-fuzz-long
nicelevel=19
merge=1
list=0

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
    exit 2
}

while getopts "t:n:j:s:b:o:N:Mlh" opt; do
    case $opt in
    t) seconds=$OPTARG ;;
    n) runs=$OPTARG ;;
    j) workers=$OPTARG ;;
    s) seed=$OPTARG ;;
    b) build=$OPTARG ;;
    o) out=$OPTARG ;;
    N) nicelevel=$OPTARG ;;
    M) merge=0 ;;
    l) list=1 ;;
    *) usage ;;
    esac
done
shift $((OPTIND - 1))
for v in "$seconds" "$runs" "$workers" "$seed" "$nicelevel"; do
    [[ $v =~ ^[0-9]+$ ]] || { echo "fuzz-long.sh: not a number: $v" >&2; exit 2; }
done
if ((seconds == 0 && runs == 0)); then
    echo "fuzz-long.sh: -t 0 needs -n" >&2
    exit 2
fi
((workers >= 1)) || workers=1
mkdir -p "$out"
out=$(cd "$out" && pwd)
case $out/ in
"$root"/*) echo "fuzz-long.sh: the output folder must be outside the checkout" >&2; exit 2 ;;
esac

if [[ -z $build ]]; then
    build=$out/build
    echo "== building the fuzz targets in $build (clang, libFuzzer, ASan+UBSan)"
    CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DMAILWIRE_FUZZ=ON -DMAILWIRE_SANITIZE=ON -DMAILWIRE_BUILD_SAMPLES=OFF >"$out/configure.log" ||
        { echo "fuzz-long.sh: configure failed, see $out/configure.log" >&2; exit 2; }
    nice -n 5 cmake --build "$build" -j "$(nproc)" --target mailwire_fuzzers >"$out/build.log" ||
        { echo "fuzz-long.sh: build failed, see $out/build.log" >&2; exit 2; }
fi
if ! grep -q '^MAILWIRE_FUZZ:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
    echo "fuzz-long.sh: $build is not a -DMAILWIRE_FUZZ=ON build" >&2
    exit 2
fi

# The targets: the programs of the build that have a committed corpus.
declare -A program
for corpus in "$root"/tests/fuzz/corpus/*/; do
    name=$(basename "$corpus")
    exe=$(find "$build/tests" -type f -name "$name" -perm -u+x 2>/dev/null | head -n 1)
    [[ -n $exe ]] && program[$name]=$exe
done
if ((list)); then
    printf '%s\n' "${!program[@]}" | sort
    exit 0
fi
targets=("$@")
if ((${#targets[@]} == 0)); then
    mapfile -t targets < <(printf '%s\n' "${!program[@]}" | sort)
fi
for t in "${targets[@]}"; do
    [[ -n ${program[$t]:-} ]] || { echo "fuzz-long.sh: no target $t in $build" >&2; exit 2; }
done

# Coverage of a corpus: libFuzzer's "INITED cov: X ft: Y" after reading it (no fuzzing).
coverage() { # program dir -> "cov ft"
    "$1" -runs=0 -rss_limit_mb=2048 "$2" 2>&1 |
        awk '/INITED/ { for (i = 1; i <= NF; i++) { if ($i == "cov:") c = $(i + 1); if ($i == "ft:") f = $(i + 1) } }
             END { print (c == "" ? 0 : c), (f == "" ? 0 : f) }'
}
count() { find "$1" -maxdepth 1 -type f ! -name '.*' | wc -l; }

report=$out/report.txt
{
    echo "# fuzz-long.sh $(date -u +%FT%TZ), $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')"
    echo "# -t $seconds -n $runs -j $workers -s $seed, build $build"
    printf '%-22s %12s %7s %8s %15s %15s %11s %s\n' target executions seconds exec/s \
        cov ft corpus findings
} >"$report"
findings_total=0
k=0
for t in "${targets[@]}"; do
    exe=${program[$t]}
    committed=$root/tests/fuzz/corpus/$t
    dir=$out/$t
    # Findings of earlier runs stay; this run's go to a folder of their own.
    crashes=$dir/crashes/$(date -u +%Y%m%dT%H%M%S)-seed$((seed + 100 * k))
    rm -rf "$dir/corpus" "$dir"/worker-*.log
    mkdir -p "$dir/corpus" "$crashes"
    cp "$committed"/* "$dir/corpus/"
    read -r cov0 ft0 < <(coverage "$exe" "$committed")
    n0=$(count "$committed")
    echo "== $t: $workers worker(s), seeds $((seed + 100 * k))..., $(date -u +%T)"
    limits=(-timeout=10 -rss_limit_mb=1024 -malloc_limit_mb=64 -print_final_stats=1
        -artifact_prefix="$crashes/")
    [[ -f $root/tests/fuzz/dict/$t.dict ]] && limits+=(-dict="$root/tests/fuzz/dict/$t.dict")
    ((seconds > 0)) && limits+=(-max_total_time="$seconds")
    ((runs > 0)) && limits+=(-runs=$(((runs + workers - 1) / workers)))
    start=$(date +%s)
    pids=()
    for ((w = 0; w < workers; w++)); do
        # shellcheck disable=SC2086  # FUZZ_FLAGS is a list of flags
        nice -n "$nicelevel" "$exe" -seed=$((seed + 100 * k + w)) "${limits[@]}" ${FUZZ_FLAGS:-} \
            "$dir/corpus" >"$dir/worker-$w.log" 2>&1 &
        pids+=($!)
    done
    # A worker stopped with SIGINT (kill -INT <pid>) ends its run early, which is not a
    # finding: libFuzzer then exits with its -interrupted_exit_code, 72 by default.
    failed=0
    for p in "${pids[@]}"; do
        rc=0
        wait "$p" || rc=$?
        ((rc == 0 || rc == 72)) || failed=$((failed + 1))
    done
    secs=$(($(date +%s) - start))
    ((secs > 0)) || secs=1
    execs=$(cat "$dir"/worker-*.log | awk '/stat::number_of_executed_units/ { s += $2 } END { print s + 0 }')
    found=$(find "$crashes" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
        -o -name 'oom-*' \) | wc -l)
    if ((failed > 0 && found == 0)); then
        found=$failed # a worker died without an artifact (see its log)
    fi
    findings_total=$((findings_total + found))
    if ((merge)); then
        # Only the inputs that reach a new edge go into the committed corpus: with hit-count
        # features too (-use_counters=1) a long run would add hundreds of files per target.
        "$exe" -merge=1 -use_counters=0 -rss_limit_mb=2048 -timeout=10 -merge_control_file="$dir/merge.ctl" \
            "$committed" "$dir/corpus" >"$dir/merge.log" 2>&1 ||
            echo "   merge failed, see $dir/merge.log" >&2
        rm -f "$dir/merge.ctl"
    fi
    read -r cov1 ft1 < <(coverage "$exe" "$committed")
    n1=$(count "$committed")
    line=$(printf '%-22s %12s %7s %8s %15s %15s %11s %s' "$t" "$execs" "$secs" "$((execs / secs))" \
        "$cov0->$cov1" "$ft0->$ft1" "$n0->$n1" "$found")
    echo "$line" | tee -a "$report"
    if ((found > 0)); then
        find "$crashes" -type f | sed 's/^/   finding: /' | tee -a "$report"
        grep -h -m 3 -E 'ERROR: |check failed|SUMMARY' "$dir"/worker-*.log | sed 's/^/   /' || true
    fi
    k=$((k + 1))
done
echo "== report: $report"
((findings_total == 0))
