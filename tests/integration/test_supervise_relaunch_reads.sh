#!/usr/bin/env bash
# What a relaunched attempt writes long after the previous attempt's exit is
# still read: nothing armed at one attempt's exit (the EOF timeout for pipes
# held by escaped processes) may fire into the next attempt.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

cat > job.sh <<'JOB'
#!/bin/bash
if [ "${1:-}" != --resume-from ]; then echo "CKPT 1" >&3; exit 1; fi
sleep 1.5   # longer than the 1 s EOF timeout armed when attempt 1 exited
echo "CKPT 2" >&3
echo "line after the pause"
JOB
chmod +x job.sh
run_ckwrap --state-dir st --backoff 0 --events events.jsonl -- ./job.sh > out.txt
assert_eq 0 "$rc" "job"
assert_contains out.txt "line after the pause" "output of attempt 2"
if grep -q "no longer reading" ckwrap.err; then cat ckwrap.err >&2; fail "attempt 2's pipe was closed"; fi
"$CKWRAP" inspect st > inspect.txt
assert_contains inspect.txt "position: 2" "attempt 2's record committed"
pass "a relaunched attempt is read to its end"
