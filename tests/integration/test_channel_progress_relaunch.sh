#!/usr/bin/env bash
# The progress file's identity and offset are in the checkpoint: ckwrap
# killed with SIGKILL and run again neither re-reads the lines it committed
# nor skips those appended while it was down, and a line half-written at the
# kill is read whole once it is finished.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

mkfifo hold
cat > job.sh <<'JOB'
#!/bin/bash
if [ "${1:-}" = "--resume-from" ]; then
  echo "$2" > resumed_from
  echo "CKPT 6" >> p.log
  exit 0
fi
echo $$ > job.pid
printf 'CKPT 1\nCKPT 2\nDONE x\nCKPT 3' >> p.log   # the last line unfinished
read -r _ < hold                                 # never released
JOB
chmod +x job.sh
"$CKWRAP" --state-dir st --progress-file p.log -- ./job.sh 2> run1.err &
pid=$!
wait_until 20 records_are st 3
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
"$CKWRAP" inspect st > inspect1.txt
assert_contains inspect1.txt "position: 2" "committed before the kill"
# The job is still blocked: kill its group (it leads one).
kill -9 -- "-$(cat job.pid)" 2>/dev/null || true
# Lines appended while ckwrap is down, the first finishing the broken line.
printf '3\nCKPT 4\nDONE y\nCKPT 5\n' >> p.log
rc=0
"$CKWRAP" --state-dir st --progress-file p.log -- ./job.sh 2> run2.err || rc=$?
[ "$rc" = 0 ] || { cat run2.err >&2; fail "second run status $rc"; }
assert_eq 5 "$(cat resumed_from)" "the relaunch resumes from the file's last CKPT"
"$CKWRAP" inspect st > inspect2.txt
assert_contains inspect2.txt "position: 6" "last CKPT"
# 3 before the kill + CKPT 33, CKPT 4, DONE y, CKPT 5 + CKPT 6
assert_contains inspect2.txt "records: 8" "no line re-read or skipped"
assert_contains inspect2.txt "done: 2" "DONE ids"
pass "a relaunched ckwrap continues at the saved offset"
