#!/usr/bin/env bash
# The whole test suite, as CI runs it: dependencies, the deployable agent, a debug build of
# everything, the format lint, then `swift test`. The agent is built here, not inside
# `swift test`, because a build from a test would wait on SwiftPM's build lock.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
scripts/build-agent.sh
swift build --build-tests
swift format lint --strict --recursive Package.swift Sources Tests Benchmarks
export BOARDBENCH_TEST_AGENT="$PWD/.build/release/boardbench-agent"
export BOARDBENCH_BIN="$PWD/.build/debug/boardbench"
swift test --skip-build --parallel --num-workers 2
