#!/usr/bin/env bash
# Builds the agent that is deployed to boards: release, Swift runtime linked statically, so a
# board needs only glibc and the C libraries (libopenblas0, libpfm4, libstdc++6).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product boardbench-agent --static-swift-stdlib
