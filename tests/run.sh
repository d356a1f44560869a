#!/usr/bin/env bash
# The README's test command: installs what the tests need when it is
# missing (Debian's age for interoperability, tmux for the end-to-end test
# in a real terminal), then runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v age >/dev/null 2>&1 && command -v age-keygen >/dev/null 2>&1 || need+=(age)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
if [ ${#need[@]} -gt 0 ]; then
  echo "tests/run.sh: installing ${need[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

# Two cores: keep the build and the test threads to what the machine has.
exec cargo test --locked "$@"
