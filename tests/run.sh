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

# Unit, binary and integration tests (the crate has no doctests), then one
# closing line with the totals across every test binary.
log=$(mktemp)
# What members' clients pin about stores (issue 10) goes to a scratch
# directory, not the user's own state directory.
CASEBOOK_STATE_DIR=$(mktemp -d)
export CASEBOOK_STATE_DIR
trap 'rm -f "$log"; rm -rf "$CASEBOOK_STATE_DIR"' EXIT
set +e
cargo test --locked --lib --bins --tests "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
awk '/^test result:/ { p += $4; f += $6 } END { printf "casebook: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
