#!/usr/bin/env bash
# SIGTERM to ckwrap means stop, not crash: the job's group gets it, ckwrap
# exits 75 without relaunching, and the next run resumes.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

mkfifo ready
cat > job.sh <<'JOB'
#!/bin/bash
echo "${*:-fresh}" >> launches.txt
[ "${1:-}" = --resume-from ] && exit 0
trap 'echo got-term >> launches.txt; exit 143' TERM
echo "CKPT 5" >&3
echo go > ready
while :; do sleep 0.05; done
JOB
chmod +x job.sh

"$CKWRAP" --state-dir st -- ./job.sh 2>ckwrap.err &
supervisor=$!
read -r _ < ready
wait_until 20 position_is st 5
kill -TERM "$supervisor"
rc=0
wait "$supervisor" || rc=$?
assert_eq 75 "$rc" "stopped status"
assert_eq "fresh got-term" "$(paste -sd' ' launches.txt)" "job got TERM, no relaunch"

run_ckwrap --state-dir st -- ./job.sh
assert_eq 0 "$rc" "next run"
assert_eq "--resume-from 5" "$(tail -n 1 launches.txt)" "resumes"
pass "SIGTERM stops with 75 and the next run resumes"
