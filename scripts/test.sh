#!/usr/bin/env bash
# The whole test suite, as CI runs it: dependencies, the deployable agent, a debug build of
# everything, the format lint, then `swift test`. The agent is built here, not inside
# `swift test`, because a build from a test would wait on SwiftPM's build lock.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each step's wall time goes to stderr, so CI logs show where the 30-minute budget goes.
step() {
  local start=$SECONDS
  "$@"
  echo "test.sh: $* took $((SECONDS - start)) s" >&2
}
step scripts/install-deps.sh --test
step scripts/build-agent.sh
step swift build --build-tests
# ONNX Runtime for the onnxruntime runner's tests, as boards get it: the PyPI wheel in a virtual
# environment (pinned with the fixtures' versions; created once, kept in the ignored .build/).
venv=.build/ort-venv
if ! "$venv/bin/python" -c "import onnxruntime" 2>/dev/null; then
  step /usr/bin/python3 -m venv "$venv"
  step "$venv/bin/pip" install --quiet --disable-pip-version-check onnxruntime==1.32.0 numpy==2.4.6
fi
export BOARDBENCH_TEST_PYTHON="$PWD/$venv/bin/python"
step swift format lint --strict --recursive Package.swift Sources Tests Benchmarks
export BOARDBENCH_TEST_AGENT="$PWD/.build/release/boardbench-agent"
export BOARDBENCH_BIN="$PWD/.build/debug/boardbench"
step swift test --skip-build --parallel --num-workers 2
