#!/usr/bin/env bash
# Shared helpers for the integration tests: each test sources this, gets a
# fresh scratch directory as its cwd, and fails loudly with a reason.
set -euo pipefail

: "${CKWRAP:?set CKWRAP to the ckwrap binary}"
CKWRAP=$(cd "$(dirname "$CKWRAP")" && pwd)/$(basename "$CKWRAP")
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/ckwrap-test.XXXXXX")
cd "$SCRATCH"
# Kills everything still running in the scratch directory (supervisors and
# the jobs they orphaned when a test SIGKILLed them), so a failed test never
# leaves a process holding ctest's output pipe.
cleanup() {
  local proc cwd
  cd /
  for proc in /proc/[0-9]*; do
    cwd=$(readlink "$proc/cwd" 2>/dev/null) || continue
    case "$cwd" in "$SCRATCH"*) kill -9 "${proc#/proc/}" 2>/dev/null || true ;; esac
  done
  rm -rf "$SCRATCH"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

pass() {
  echo "PASS: $*"
}

# assert_eq EXPECTED ACTUAL WHAT
assert_eq() {
  [ "$1" = "$2" ] || fail "$3: expected '$1', got '$2'"
}

# assert_contains FILE TEXT WHAT
assert_contains() {
  grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "$3: '$2' not found in $1"; }
}

# wait_until TIMEOUT_SECONDS COMMAND...: polls a condition we cannot be
# notified of (a file's content written by another process), with a deadline.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ $SECONDS -lt $deadline ] || fail "timed out waiting for: $*"
    sleep 0.01
  done
}

# run_ckwrap ARGS...: runs ckwrap, stores its exit status in $rc and its
# stderr in ckwrap.err, never failing the test by itself.
# shellcheck disable=SC2034 # rc is the result, read by the sourcing test
run_ckwrap() {
  rc=0
  "$CKWRAP" "$@" 2>ckwrap.err || rc=$?
}

# Position in the newest verified checkpoint of a state directory.
checkpoint_position() {
  "$CKWRAP" inspect "$1" 2>/dev/null | sed -n 's/^position: //p'
}

# position_is DIR POS: the committed checkpoint in DIR is at POS (for wait_until).
position_is() {
  [ "$(checkpoint_position "$1")" = "$2" ]
}

# records_are DIR N: the committed checkpoint in DIR holds N records (for wait_until).
records_are() {
  "$CKWRAP" inspect "$1" 2>/dev/null | grep -qx "records: $2"
}
