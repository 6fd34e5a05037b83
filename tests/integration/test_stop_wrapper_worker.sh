#!/usr/bin/env bash
# A stop reaches the worker a wrapper script runs in the foreground: the bash
# wrapper (no trap) dies of SIGTERM at once, but the python worker it started
# traps SIGTERM, finishes its current item (0.3 s), reports CKPT 3 and exits.
# ckwrap must wait for it (not SIGKILL the group when the wrapper dies), commit
# that last record and exit 75 after about the worker's cleanup time.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

PYTHON=$(python_bin)

scenario() {
  cat > worker.py <<'PY'
import os, signal, time
stop = False
def on_term(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_term)
os.write(3, b"CKPT 2\n")
open("worker.ready", "w").write("up\n")
while not stop:          # item 3 in progress until asked to stop
    time.sleep(0.01)
time.sleep(0.3)          # finish item 3
os.write(3, b"CKPT 3\n")
open("worker.done", "w").write("done\n")
PY
  cat > wrapper.sh <<JOB
#!/bin/bash
# No trap: SIGTERM kills this script at once, as it does most wrappers.
"$PYTHON" worker.py
JOB
  chmod +x wrapper.sh

  start_ckwrap --state-dir st --grace 5s -- ./wrapper.sh
  await worker.ready
  wait_until 10 position_is st 2
  local t0 t1
  t0=$(now_ms)
  kill -TERM "$supervisor"
  wait_ckwrap
  t1=$(now_ms)
  echo "$how: SIGTERM to exit: $((t1 - t0)) ms"
  assert_eq 75 "$rc" "$how: stopped status"
  [ -e worker.done ] || { cat ckwrap.err >&2; fail "$how: the worker was killed before it finished its item"; }
  assert_eq 3 "$(checkpoint_position st)" "$how: the worker's last CKPT committed"
  [ $((t1 - t0)) -ge 250 ] || fail "$how: exited after $((t1 - t0)) ms, before the worker's 300 ms cleanup"
  [ $((t1 - t0)) -lt 5000 ] || fail "$how: took the whole grace ($((t1 - t0)) ms)"
  assert_not_contains ckwrap.err "did not stop within the grace period" "$how: no SIGKILL needed"
  assert_not_contains ckwrap.err "relaunching" "$how: a stop, not a crash"
  assert_contains ckwrap.err "resumable" "$how: stop reported"
  pass "$how: the wrapper's worker finishes its item and checkpoints ($((t1 - t0)) ms)"
}

run_both_ways scenario
