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

# assert_not_contains FILE TEXT WHAT
assert_not_contains() {
  if grep -qF -- "$2" "$1"; then cat "$1" >&2; fail "$3: '$2' found in $1"; fi
}

# Wall-clock milliseconds (bash 5's EPOCHREALTIME, locale-proof).
now_ms() {
  local t=${EPOCHREALTIME//[!0-9]/}
  echo $((10#$t / 1000))
}

# The stop tests run each scenario twice: as a plain child of the test, then
# as PID 1 of a new PID namespace (a container's entrypoint). The helpers below
# hide the difference: $supervisor is always ckwrap itself (the pid to signal),
# $waited the child of this shell to wait for (ckwrap, or unshare around it).
AS_PID1=0

pid1_supported() {
  unshare --pid --fork --mount-proc true 2>/dev/null
}

# run_both_ways SCENARIO: runs the function SCENARIO in ./plain, then, when
# unshare --pid works (root), again in ./pid1 with ckwrap as PID 1; else that
# part is skipped with a message. $how names the way for messages.
# TEST_WAYS="plain" or "pid1" runs one way only (to debug).
# shellcheck disable=SC2034 # how is read by the sourcing test
run_both_ways() {
  local way
  for way in ${TEST_WAYS:-plain pid1}; do
    if [ "$way" = pid1 ] && ! pid1_supported; then
      echo "SKIP (as PID 1): unshare --pid --fork --mount-proc is not permitted here"
      continue
    fi
    mkdir -p "$SCRATCH/$way"
    cd "$SCRATCH/$way"
    if [ "$way" = pid1 ]; then AS_PID1=1 how="as PID 1"; else AS_PID1=0 how=plain; fi
    "$1"
  done
  cd "$SCRATCH"
}

# start_ckwrap ARGS...: starts ckwrap in the background (as PID 1 of a new PID
# namespace when AS_PID1=1), its stderr in ckwrap.err; sets $supervisor and
# $waited.
start_ckwrap() {
  if [ "$AS_PID1" = 1 ]; then
    unshare --pid --fork --mount-proc "$CKWRAP" "$@" 2>ckwrap.err &
    waited=$!
    wait_until 10 pgrep -P "$waited" >/dev/null
    supervisor=$(pgrep -P "$waited")
  else
    "$CKWRAP" "$@" 2>ckwrap.err &
    waited=$!
    supervisor=$waited
  fi
}

# gone PID: no such process (or only its zombie is left).
gone() {
  ! kill -0 "$1" 2>/dev/null || grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# wait_ckwrap [TIMEOUT]: waits (10 s by default) for the ckwrap started by
# start_ckwrap; its exit status goes to $rc.
# shellcheck disable=SC2034 # rc is the result, read by the sourcing test
wait_ckwrap() {
  local deadline=$((SECONDS + ${1:-10}))
  until gone "$waited"; do
    if [ $SECONDS -ge $deadline ]; then
      cat ckwrap.err >&2
      fail "ckwrap still running ${1:-10} s after it was expected to exit"
    fi
    sleep 0.01
  done
  rc=0
  wait "$waited" || rc=$?
}

# await FILE...: waits (10 s) until every FILE exists and is not empty; fails
# at once, showing ckwrap's stderr, if ckwrap exits first.
await() {
  local deadline=$((SECONDS + 10)) f
  for f in "$@"; do
    until [ -s "$f" ]; do
      if gone "$waited"; then
        cat ckwrap.err >&2
        fail "ckwrap exited before $f appeared"
      fi
      [ $SECONDS -lt $deadline ] || fail "timed out waiting for $f"
      sleep 0.01
    done
  done
}

# host_pid PID: the pid, as seen by this shell, of the job's process that calls
# itself PID ($$ inside the job); the same number unless ckwrap is PID 1 of its
# own namespace, where it is looked up by its NSpid. Call while ckwrap runs.
host_pid() {
  if [ "$AS_PID1" != 1 ]; then echo "$1"; return; fi
  local ns status candidate
  ns=$(readlink "/proc/$supervisor/ns/pid") || fail "ckwrap is gone"
  for status in $(grep -lE "^NSpid:.*[[:space:]]$1\$" /proc/[0-9]*/status 2>/dev/null); do
    candidate=${status#/proc/}
    candidate=${candidate%/status}
    if [ "$(readlink "/proc/$candidate/ns/pid" 2>/dev/null)" = "$ns" ]; then
      echo "$candidate"
      return
    fi
  done
  fail "no process $1 in ckwrap's PID namespace"
}

# lines FILE: its number of lines (0 when it does not exist).
lines() {
  if [ -e "$1" ]; then wc -l < "$1"; else echo 0; fi
}

# has_lines FILE N: FILE has at least N lines (for wait_until).
has_lines() {
  [ "$(lines "$1")" -ge "$2" ]
}

# The real python3 (not a version manager's shim script), so that a job's
# python process is the interpreter itself from its first instruction.
python_bin() {
  command -v python3 >/dev/null || fail "python3 is not installed (scripts/install-deps installs it)"
  python3 -c 'import sys; print(sys.executable)'
}

# wait_or_fail TIMEOUT_SECONDS MESSAGE COMMAND...: as wait_until, but the
# failure says MESSAGE (and shows ckwrap's stderr).
wait_or_fail() {
  local deadline=$((SECONDS + $1)) message=$2
  shift 2
  until "$@"; do
    if [ $SECONDS -ge $deadline ]; then
      [ -e ckwrap.err ] && cat ckwrap.err >&2
      fail "$message (timed out waiting for: $*)"
    fi
    sleep 0.01
  done
}
