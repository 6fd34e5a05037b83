#!/usr/bin/env bash
# ckwrap watch: the sidecar follows a file written by an independent process,
# commits its records, stops on SIGTERM (75, after a last read and commit),
# resumes from the saved offset when restarted (also after SIGKILL), and exits
# 0 on COMPLETE. The resume position is readable with ckwrap inspect.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# Usage errors.
run_ckwrap watch st
assert_eq 125 "$rc" "watch without --progress-file"
run_ckwrap watch --progress-file p.log
assert_eq 125 "$rc" "watch without a state directory"
run_ckwrap watch --progress-file p.log --protocol-on stdout st
assert_eq 125 "$rc" "watch with --protocol-on"

mkdir shared
# The writer is an independent process, started before the sidecar.
printf 'CKPT 1\nDONE a\n' >> shared/progress.log
"$CKWRAP" watch --progress-file shared/progress.log shared/ck 2> watch1.err &
pid=$!
wait_until 20 records_are shared/ck 2
printf 'CKPT 2\nSTATE k v\n' >> shared/progress.log
wait_until 20 records_are shared/ck 4
# A second sidecar on the same state directory is refused.
run_ckwrap watch --progress-file shared/progress.log shared/ck
assert_eq 125 "$rc" "second watcher refused"
printf 'CKPT 3\n' >> shared/progress.log   # maybe not read yet: the stop drains it
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
assert_eq 75 "$rc" "watch stopped by SIGTERM"
"$CKWRAP" inspect shared/ck > inspect1.txt
assert_contains inspect1.txt "position: 3" "final drain before the stop"
assert_contains inspect1.txt "records: 5" "records at the stop"
assert_contains inspect1.txt "complete: no" "not complete"
pass "watch: follows the file, stops on SIGTERM with 75 after a last read"

# Written while the sidecar is down, then a restart: resumes at the offset.
printf 'CKPT 4\nDONE b\n' >> shared/progress.log
"$CKWRAP" watch --progress-file shared/progress.log --state-dir shared/ck 2> watch2.err &
pid=$!
wait_until 20 records_are shared/ck 7
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
# Killed outright: the next one continues from the last commit.
printf 'CKPT 5\n' >> shared/progress.log
"$CKWRAP" watch --progress-file shared/progress.log shared/ck 2> watch3.err &
pid=$!
wait_until 20 records_are shared/ck 8
assert_eq 5 "$("$CKWRAP" inspect --field position shared/ck)" "position for the main container"
assert_eq no "$("$CKWRAP" inspect --field complete shared/ck)" "not complete yet"
printf 'COMPLETE\n' >> shared/progress.log
rc=0
wait "$pid" || rc=$?
assert_eq 0 "$rc" "watch exits 0 on COMPLETE"
"$CKWRAP" inspect shared/ck > inspect2.txt
assert_contains inspect2.txt "records: 9" "no line read twice across the restarts"
assert_contains inspect2.txt "done: 2" "DONE ids"
assert_contains inspect2.txt "complete: yes" "complete"
pass "watch: restarts (SIGTERM, SIGKILL) resume from the offset; COMPLETE ends it"

# COMPLETE already in the file when the sidecar starts: the first read ends
# the run, once (one finish event, one message).
printf 'CKPT 1\nCOMPLETE\n' > complete.log
rc=0
"$CKWRAP" watch --events complete.events --progress-file complete.log complete-ck \
  2> complete.err || rc=$?
assert_eq 0 "$rc" "watch on a file already complete"
assert_eq 1 "$(grep -c '"event":"finish"' complete.events)" "finish events"
assert_eq 1 "$(grep -c 'said COMPLETE' complete.err)" "COMPLETE messages"
pass "watch: a file already complete ends the run once"
