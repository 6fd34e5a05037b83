#!/usr/bin/env bash
# ckwrap watch told to stop (SIGTERM) whose final read finds COMPLETE: the
# job completed, so the run finishes once, as complete (exit 0, one finish
# event, the termination log saying complete), not twice (complete, then
# "stopped" with 75 over it). The COMPLETE is made to wait for the final read
# by a directory that does not exist when the sidecar starts: it cannot watch
# it and falls back to a check a second, so the file written just before the
# signal is first read by the stop's final drain.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

"$CKWRAP" watch --events events.jsonl --termination-log term.log \
  --progress-file later/progress.log st 2> watch.err &
pid=$!
wait_until 20 grep -q "cannot watch directory" watch.err
mkdir later
printf 'CKPT 1\nCOMPLETE\n' > later/progress.log
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
finishes=$(grep -c '"event":"finish"' events.jsonl || true)
assert_eq 1 "$finishes" "finish events (the run ends once)"
assert_eq 0 "$rc" "a COMPLETE read by the final drain completes the run"
assert_contains term.log "complete" "termination log"
"$CKWRAP" inspect st > inspect.txt
assert_contains inspect.txt "complete: yes" "checkpoint complete"
pass "watch: a COMPLETE found by the stop's final read finishes the run once, as complete"
