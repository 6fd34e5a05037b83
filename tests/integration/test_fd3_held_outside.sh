#!/usr/bin/env bash
# A process outside the job's tree holds the write end of fd 3 (here the test
# itself, through /proc/PID/fd/3). ckwrap must never wait on it forever, and
# must end cleanly: a job that exits is finished after one second of reading
# with a notice, and a stop (SIGTERM) reads it for that second too, then
# ends with 75 and its position kept. (test_fencing_two_writers holds the pipe
# of a supervisor that ends before its EOF.)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# job.sh: one item, its pid in job_pid, then waits for the file go (or forever).
cat > job.sh <<'JOB'
#!/bin/bash
echo "DONE item-1" >&3
echo "CKPT 1" >&3
echo $$ > job_pid
while [ ! -e go ]; do sleep 0.01; done
JOB
chmod +x job.sh

# The job exits; the outsider keeps the pipe open.
"$CKWRAP" --state-dir st1 -- ./job.sh 2>exit.err &
waited=$!
await job_pid
wait_until 10 position_is st1 1
exec 9>"/proc/$(cat job_pid)/fd/3"
rm job_pid
: > go
wait_ckwrap 10
assert_eq 0 "$rc" "the job's exit while an outsider holds fd 3"
assert_contains exit.err "a process outside the job's process group still holds fd 3" "the notice"
exec 9>&-
rm go

# A stop while the outsider holds the pipe.
"$CKWRAP" --state-dir st2 -- ./job.sh 2>stop.err &
waited=$!
await job_pid
wait_until 10 position_is st2 1
exec 9>"/proc/$(cat job_pid)/fd/3"
kill -TERM "$waited"
wait_ckwrap 10
assert_eq 75 "$rc" "a stop while an outsider holds fd 3"
assert_eq 1 "$(checkpoint_position st2)" "the position the stop kept"
assert_contains stop.err "stopped by a signal; resumable (position 1)" "the stop's summary"
exec 9>&-
pass "an outsider holding fd 3 neither holds ckwrap nor breaks its exit"
