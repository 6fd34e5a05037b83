#!/usr/bin/env bash
# --progress-file: a job appends protocol lines to a file that does not exist
# yet and is rotated during the run by rename-and-recreate (with late writes
# to the old file), copytruncate, delete-and-recreate and atomic replace: no
# line is lost or read twice (the records counter counts every line applied).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

mkdir logs
cat > job.sh <<'JOB'
#!/bin/bash
set -e
ck() { "$CKWRAP" inspect "$CKWRAP_STATE_DIR" 2>/dev/null | grep -qx "records: $1"; }
wait_ck() {  # until ckwrap has committed $1 records (deadline 20 s)
  for ((t = 0; t < 2000; t++)); do ck "$1" && return 0; sleep 0.01; done
  echo "job: timed out waiting for $1 records" >&2; exit 99
}
# The file does not exist when ckwrap starts.
exec 5>>logs/progress.log
echo "CKPT 1" >&5; echo "DONE a" >&5
wait_ck 2
# rename-and-recreate: the old inode gets more lines after the rename and
# after the new file exists, until the writer reopens.
mv logs/progress.log logs/progress.log.1
echo "CKPT 2" >&5
: > logs/progress.log
echo "CKPT 3" >&5
exec 5>>logs/progress.log
echo "CKPT 4" >&5; echo "DONE b" >&5
wait_ck 6
# copytruncate (it loses what is written between the copy and the truncation,
# so the writer waits until ckwrap has read its lines).
echo "CKPT 5" >&5
wait_ck 7
cp logs/progress.log logs/progress.log.2
: > logs/progress.log
echo "CKPT 6" >&5; echo "DONE c" >&5
# delete and re-create, unread lines in the deleted file
echo "CKPT 7" >&5
rm logs/progress.log
exec 5>>logs/progress.log
echo "CKPT 8" >&5
# atomic replace: the new file is read from its start
wait_ck 11
printf 'CKPT 9\nDONE d\n' > logs/tmp && mv logs/tmp logs/progress.log
wait_ck 13
printf 'CKPT 10\n' > logs/tmp && mv logs/tmp logs/progress.log
exit 0
JOB
chmod +x job.sh
export CKWRAP
rc=0
"$CKWRAP" --state-dir st --progress-file logs/progress.log -- ./job.sh > out.txt \
  2> ckwrap.err || rc=$?
[ "$rc" = 0 ] || { cat ckwrap.err >&2; fail "job status $rc"; }
"$CKWRAP" inspect st > inspect.txt
assert_contains inspect.txt "position: 10" "last CKPT"
assert_contains inspect.txt "records: 14" "every line exactly once"
assert_contains inspect.txt "done: 4" "DONE ids"
if grep -q "skipped" ckwrap.err; then cat ckwrap.err >&2; fail "protocol problems reported"; fi
pass "progress file through rename, copytruncate, delete+recreate and atomic replace"

# ---- --match on the progress file (a log) ----
cat > job2.sh <<'JOB'
#!/bin/bash
echo "12:00 starting" >> app.log
echo "12:01 Processed 40 rows" >> app.log
echo "12:02 CKPT-looking text" >> app.log
exit 0
JOB
chmod +x job2.sh
run_ckwrap --state-dir st2 --progress-file app.log --match 'Processed ([0-9]+) rows' -- ./job2.sh
assert_eq 0 "$rc" "job2 status"
"$CKWRAP" inspect st2 > inspect2.txt
assert_contains inspect2.txt "position: 40" "--match on the file"
assert_contains inspect2.txt "records: 1" "non-matching log lines ignored"
pass "--match on the progress file"

# ---- a fresh run skips what an earlier run left in the file ----
printf 'CKPT 999\n' > old.log
cat > job3.sh <<'JOB'
#!/bin/bash
[ "${1:-}" = "--resume-from" ] && { echo "resumed from $2" > resumed; }
echo "CKPT 3" >> old.log
exit 0
JOB
chmod +x job3.sh
run_ckwrap --state-dir st3 --progress-file old.log -- ./job3.sh
assert_eq 0 "$rc" "job3 status"
"$CKWRAP" inspect st3 > inspect3.txt
assert_contains inspect3.txt "position: 3" "only the new line"
assert_contains inspect3.txt "records: 1" "old content not ingested"
pass "a fresh run starts at the end of an existing file"
