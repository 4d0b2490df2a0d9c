#!/usr/bin/env bash
# The main job: install what is needed, build, and run `boardbench demo` with this machine as
# the device. Results go to ./boardbench.sqlite, the report to ./Reports/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build-agent.sh
swift build -c release --product boardbench --static-swift-stdlib
# boardbench finds the agent next to itself in .build/release.
exec .build/release/boardbench demo "$@"
