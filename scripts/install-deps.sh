#!/usr/bin/env bash
# Installs the Debian packages BoardBench builds and tests with. Safe to run twice: it only
# calls apt when something is missing, and always runs `apt-get update` before installing.
# `--test` adds what only the test suite needs: chromium, in which the report tests open every
# page type headless, python3, which runs scripts/soak.py for the soak test, and python3-venv, in
# which scripts/test.sh installs ONNX Runtime for the onnxruntime runner's tests.
set -euo pipefail
packages=(libssh-dev libpfm4-dev libopenblas-dev libsqlite3-dev pkg-config openssh-server openssh-client openssh-sftp-server iproute2 libonnx-testdata)
[ "${1:-}" = "--test" ] && packages+=(chromium python3 python3-venv)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
