#!/usr/bin/env bash
# Durable acknowledgements: a job deleting each source file only after
# `ck_checkpoint --sync` returned never loses an item, though ckwrap itself
# is SIGKILLed 100 times at random points (UNSAFE=1, deleting right after
# the DONE, loses some: the check below fails). Then the shims' sync calls (sh
# under bash and dash, Python, C) return once the commit is durable, report a
# timeout, and report ckwrap gone.
TESTS_DIR=${TESTS_DIR:-$(dirname "$0")}
SHIM_DIR=$(cd "$TESTS_DIR/../../shim" && pwd)
# shellcheck source=lib.sh
. "$TESTS_DIR/lib.sh"

mkdir src
for i in $(seq 1000 1799); do echo "payload $i" > "src/f$i"; done
cat > job.sh <<JOB
#!/bin/bash
. "$SHIM_DIR/ckwrap.sh"
echo \$\$ > job.pid
n=0
for f in src/f*; do
  [ -e "\$f" ] || continue
  cat "\$f" >> out.txt
  n=\$((n + 1))
  ck_done "\${f#src/}"
  # \${UNSAFE:+...}: the same job without waiting, to show what is at stake.
  if [ -z "\${UNSAFE:-}" ]; then ck_checkpoint --sync "\$n" || exit 9; fi
  rm "\$f"
done
JOB
chmod +x job.sh

# A process that exited (a zombie until whoever adopted it reaps it) or is gone.
exited() {
  ! kill -0 "$1" 2>/dev/null || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# kill_ckwrap_at_random STATE_DIR: runs ckwrap on the job, SIGKILLs it after
# 0-80 ms, and waits for the orphaned job to notice (EOF or EPIPE) and exit.
kill_ckwrap_at_random() {
  rm -f job.pid
  "$CKWRAP" --quiet --state-dir "$1" --incremental --backoff 0 -- ./job.sh 2>>ckwrap.err &
  local ck=$!
  sleep "0.0$(shuf -i 0-80 -n 1 | xargs printf '%02d')"
  kill -9 "$ck" 2>/dev/null || true
  wait "$ck" 2>/dev/null || true
  if [ -s job.pid ]; then
    local job
    job=$(cat job.pid)
    wait_until 10 exited "$job"
  fi
}

for _ in $(seq 100); do kill_ckwrap_at_random st; done
left=$(ls src | wc -l)
run_ckwrap --state-dir st --incremental --backoff 0 -- ./job.sh
assert_eq 0 "$rc" "the last run finishes"
assert_eq 0 "$(ls src | wc -l)" "every source file processed and deleted"
seq 1000 1799 | sed 's/^/payload /' > expected.txt
assert_eq 0 "$(sort -u out.txt | comm -23 expected.txt - | wc -l)" "items missing from out.txt"
# Each file was deleted only once its DONE was durable: every id is in the
# checkpoint (--incremental keeps the set across the runs that completed).
lost=$(seq 1000 1799 | sed 's/^/f/' | "$CKWRAP" pending st | wc -l)
assert_eq 0 "$lost" "files deleted without a durable DONE"
pass "800 files, 100 SIGKILLs of ckwrap ($left files left before the last run), none lost"

# Sync calls of each shim.
cat > sync.sh <<JOB
. "$SHIM_DIR/ckwrap.sh"
ck_checkpoint --sync 1 || exit 11
ck_done a
ck_sync || exit 12
echo synced >> sync.out
JOB
for sh in bash dash; do
  rm -f sync.out
  run_ckwrap --state-dir "st-$sh" -- "$sh" sync.sh
  assert_eq 0 "$rc" "$sh: sync calls return 0"
  assert_eq synced "$(cat sync.out)" "$sh: job went on after the acks"
  assert_eq 1 "$(checkpoint_position "st-$sh")" "$sh: the synced position is committed"
done
# Bare: no ckwrap, nothing to wait for.
rm -f sync.out
bash sync.sh
assert_eq synced "$(cat sync.out)" "bare sync returns at once"

# Timeout: ckwrap stopped (SIGSTOP) cannot acknowledge.
cat > stall.sh <<JOB
. "$SHIM_DIR/ckwrap.sh"
kill -STOP \$PPID
CKWRAP_SYNC_TIMEOUT=1 ck_checkpoint --sync 1
echo "rc=\$?" > stall.out
kill -CONT \$PPID
JOB
for sh in bash dash; do
  rm -f stall.out
  run_ckwrap --state-dir "stall-$sh" -- "$sh" stall.sh
  assert_eq "rc=4" "$(cat stall.out)" "$sh: sync times out"
  assert_contains ckwrap.err "no acknowledgement of SYNC" "$sh: timeout message"
done

# ckwrap gone: end of file on the acknowledgement pipe.
cat > gone.sh <<JOB
. "$SHIM_DIR/ckwrap.sh"
trap '' PIPE
kill -9 \$PPID
while kill -0 \$PPID 2>/dev/null; do sleep 0.01; done
ck_sync
echo "rc=\$?" > gone.out
JOB
for sh in bash dash; do
  rm -f gone.out
  run_ckwrap --state-dir "gone-$sh" -- "$sh" gone.sh
  wait_until 10 test -s gone.out
  assert_eq "rc=5" "$(cat gone.out)" "$sh: sync reports ckwrap gone"
done

# Python: checkpoint(pos, sync=True), and SyncError when ckwrap is gone. The
# CKPT and its SYNC go in one write, or two when together they pass PIPE_BUF.
export PYTHONPATH="$SHIM_DIR"
cat > sync.py <<'JOB'
import os, signal, sys, time
import ckwrap
ckwrap.checkpoint("p" * 4080, sync=True)
ckwrap.checkpoint(1, sync=True)
ckwrap.done("x")
ckwrap.sync(timeout=5)
open("py.out", "w").write("synced\n")
if sys.argv[1:] == ["gone"]:
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    os.kill(os.getppid(), signal.SIGKILL)
    while os.getppid() != 1 and os.path.exists("/proc/%d" % os.getppid()):
        time.sleep(0.01)
    try:
        ckwrap.sync(timeout=5)
    except ckwrap.SyncError as e:
        open("py.out", "a").write("error: %s\n" % e)
JOB
run_ckwrap --state-dir st-py -- python3 sync.py
assert_eq 0 "$rc" "python sync"
assert_eq synced "$(cat py.out)" "python job went on"
assert_eq 1 "$(checkpoint_position st-py)" "python synced position committed"
run_ckwrap --state-dir st-py2 -- python3 sync.py gone
wait_until 10 grep -q "error" py.out
assert_contains py.out "ckwrap is gone" "python SyncError when ckwrap is gone"

# C: ck_checkpoint_sync and ck_sync, compiled with -Werror.
cat > sync.c <<'JOB'
#include "ckwrap.h"
#include <string.h>
int main(void) {
  char longest[4081];
  memset(longest, 'p', 4080);
  longest[4080] = '\0';
  if (ck_checkpoint_sync(longest, 5000) != 0) { perror("ck_checkpoint_sync (4080)"); return 3; }
  if (ck_checkpoint_sync("1", 5000) != 0) { perror("ck_checkpoint_sync"); return 1; }
  if (ck_done("y") != 0 || ck_sync(-1) != 0) { perror("ck_sync"); return 2; }
  return 0;
}
JOB
gcc -std=c99 -Wall -Wextra -Werror -I"$SHIM_DIR" -o sync_c sync.c
run_ckwrap --state-dir st-c -- ./sync_c
assert_eq 0 "$rc" "C sync"
assert_eq 1 "$(checkpoint_position st-c)" "C synced position committed"
pass "sync in sh (bash, dash), Python and C; timeout and ckwrap-gone reported"
