#!/usr/bin/env bash
# Report generation at scale: a store holding one run of N benchmarks (default 1000), built by
# replaying a real `boardbench demo` run's results (their samples and details) N/4 times, then
# `boardbench report` timed over the whole site and over that run's page alone.
#   Benchmarks/report_scale.sh [N]
# Uses the release binaries (built if missing). Prints wall time and peak RSS of each report.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000}"
scripts/install-deps.sh
# BOARDBENCH_RELEASE_DIR: release binaries already built elsewhere (e.g. with --scratch-path).
bin="${BOARDBENCH_RELEASE_DIR:-}"
if [ -z "$bin" ]; then
  swift build -c release --product boardbench >/dev/null
  swift build -c release --product boardbench-agent >/dev/null
  bin="$PWD/.build/release"
fi
work="$(mktemp -d /tmp/bb-report-scale.XXXXXX)"
trap 'rm -rf "$work"' EXIT
cd "$work"
BOARDBENCH_AGENT="$bin/boardbench-agent" "$bin/boardbench" demo --quiet >/dev/null
python3 - "$n" <<'PY'
import sqlite3, sys
n = int(sys.argv[1])
c = sqlite3.connect("boardbench.sqlite")
run = list(c.execute("SELECT * FROM run WHERE id = 1").fetchone())
device = list(c.execute("SELECT * FROM runDevice WHERE runId = 1").fetchone())
results = c.execute("SELECT * FROM result WHERE runId = 1 ORDER BY id").fetchall()
run[0] = 2
c.execute(f"INSERT INTO run VALUES ({','.join('?' * len(run))})", run)
device[0] = 2
c.execute("INSERT INTO runDevice VALUES (?,?,?,?,?)", device)
for i in range(n):
    src = list(results[i % len(results)])
    samples = c.execute("SELECT seq, latencyNanoseconds, offsetNanoseconds FROM sample WHERE resultId = ?", (src[0],)).fetchall()
    src[0], src[1], src[3] = None, 2, f"{src[3]}-{i}"
    rid = c.execute(f"INSERT INTO result VALUES ({','.join('?' * len(src))})", src).lastrowid
    c.executemany("INSERT INTO sample VALUES (?,?,?,?)", [(rid,) + s for s in samples])
c.commit()
print(f"store: {c.execute('SELECT COUNT(*) FROM result').fetchone()[0]} results, "
      f"{c.execute('SELECT COUNT(*) FROM sample').fetchone()[0]} samples")
PY
for what in "whole site:--" "run 2 only:--run 2"; do
  label="${what%%:*}"; args="${what#*:}"; [ "$args" = "--" ] && args=""
  for i in 1 2 3; do
    /usr/bin/time -f "$label: %e s wall, %M KiB peak RSS" "$bin/boardbench" report $args -o out >/dev/null
  done
done
echo "run-2.html: $(wc -c < out/run-2.html) bytes"
