#!/usr/bin/env bash
# BoardBench's runtime against ONNX Runtime on this machine: one command.
#   Benchmarks/run.sh [compare_ort.py options, e.g. --threads 1 --rounds 3]
# Installs the Debian and PyPI packages it needs, builds release binaries, generates the
# networks (scripts/make-onnx-fixtures.py --benchmark-models Benchmarks/models) and prints the
# comparison; the JSON goes to Benchmarks/results/. Never sets OPENBLAS_CORETYPE.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
python3 -m pip install --quiet -r scripts/requirements-fixtures.txt
swift build -c release --product boardbench
swift build -c release --product boardbench-bench
bin="$(swift build -c release --show-bin-path)"
exec python3 Benchmarks/compare_ort.py --boardbench "$bin/boardbench" --bench "$bin/boardbench-bench" "$@"
