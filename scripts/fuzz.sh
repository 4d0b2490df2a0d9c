#!/usr/bin/env bash
# libFuzzer campaigns over the parsers (docs/reliability.md, "Fuzzing").
#
#   scripts/fuzz.sh [TARGET|all] [SECONDS]     default: all, 300 seconds per target
#
# Builds boardbench-fuzz in release with `--sanitize fuzzer` and -DBOARDBENCH_FUZZ (its own
# scratch path, so the normal build is untouched), then runs each target with the committed
# corpus Fuzz/Corpora/TARGET as read-only seeds and a working corpus outside the repository
# ($FUZZ_WORK, default /tmp/boardbench-fuzz/TARGET) that grows across runs. Crash, timeout
# and out-of-memory inputs land in $FUZZ_WORK/artifacts/TARGET/. Each target's last status line
# (executions, cov, ft, corpus) and its findings are printed at the end.
#
# To keep what a campaign learnt, merge the working corpus into the committed one:
#   FUZZ_MERGE=1 scripts/fuzz.sh TARGET 0
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:-all}"
seconds="${2:-300}"
scratch="${FUZZ_SCRATCH:-.build-fuzz}"
work="${FUZZ_WORK:-/tmp/boardbench-fuzz}"

swift build -c release --sanitize fuzzer -Xswiftc -DBOARDBENCH_FUZZ --product boardbench-fuzz --scratch-path "$scratch"
bin="$scratch/release/boardbench-fuzz"

if [ "$target" = all ]; then
    targets=$(ls Fuzz/Corpora)
else
    [ -d "Fuzz/Corpora/$target" ] || { echo "no corpus Fuzz/Corpora/$target; targets: $(ls Fuzz/Corpora | tr '\n' ' ')" >&2; exit 64; }
    targets="$target"
fi

# Swift's own backtracer would slow every crash down and bury libFuzzer's report.
export SWIFT_BACKTRACE=enable=no
summary=()
for t in $targets; do
    mkdir -p "$work/$t" "$work/artifacts/$t"
    log="$work/$t.log"
    if [ "${FUZZ_MERGE:-0}" = 1 ]; then
        # Adds to the committed corpus only inputs that reach new coverage.
        BOARDBENCH_FUZZ_TARGET="$t" "$bin" -merge=1 -rss_limit_mb=2048 -timeout=10 "Fuzz/Corpora/$t" "$work/$t" 2>&1 | tail -2
        continue
    fi
    echo "== $t: $seconds s"
    status=0
    BOARDBENCH_FUZZ_TARGET="$t" "$bin" "$work/$t" "Fuzz/Corpora/$t" \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="$work/artifacts/$t/" >"$log" 2>&1 || status=$?
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    execs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
    rate=$(grep -E '^stat::average_exec_per_sec' "$log" | awk '{print $2}')
    found=$(ls "$work/artifacts/$t" | wc -l)
    summary+=("$t: exit $status, ${execs:-?} executions, ${rate:-?} exec/s, findings in artifacts/$t: $found | $last")
    if [ "$status" != 0 ]; then
        echo "-- $t stopped with status $status; the end of $log:"
        grep -v -E '^ +#[0-9]+ 0x' "$log" | tail -25
    fi
done
if [ "${#summary[@]}" -gt 0 ]; then
    echo "== summary (logs in $work)"
    printf '%s\n' "${summary[@]}"
fi
