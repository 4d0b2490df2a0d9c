#!/usr/bin/env bash
# The whole test suite, as CI runs it: dependencies, the deployable agent, a debug build of
# everything, the format lint, then `swift test`. The agent is built here, not inside
# `swift test`, because a build from a test would wait on SwiftPM's build lock.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
scripts/build-agent.sh
swift build --build-tests
# ONNX Runtime for the onnxruntime runner's tests, as boards get it: the PyPI wheel in a virtual
# environment (pinned with the fixtures' versions; created once, kept in the ignored .build/).
venv=.build/ort-venv
if ! "$venv/bin/python" -c "import onnxruntime" 2>/dev/null; then
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check onnxruntime==1.32.0 numpy==2.4.6
fi
export BOARDBENCH_TEST_PYTHON="$PWD/$venv/bin/python"
swift format lint --strict --recursive Package.swift Sources Tests Benchmarks
export BOARDBENCH_TEST_AGENT="$PWD/.build/release/boardbench-agent"
export BOARDBENCH_BIN="$PWD/.build/debug/boardbench"
swift test --skip-build --parallel --num-workers 2
