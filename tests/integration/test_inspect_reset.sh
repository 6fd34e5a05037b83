#!/usr/bin/env bash
# inspect decodes and verifies (non-zero on a bad file, with the reason; a
# journal is named as one, with what to inspect instead); reset forgets
# progress, resume files included, so the next run starts fresh; success
# retires the checkpoint: the same command then has nothing to do, and
# --on-complete rerun starts fresh.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

cat > job.sh <<'JOB'
#!/bin/bash
echo "${*:-fresh}" >> launches.txt
echo "CKPT 9" >&3
echo "DONE x" >&3
echo "STATE k v" >&3
[ -z "${FAIL_ALWAYS:-}" ] || exit 1
[ "${1:-}" = --resume-from ] || exit 1
JOB
chmod +x job.sh

run_ckwrap --state-dir st --max-restarts 0 -- ./job.sh
assert_eq 1 "$rc" "failed run"
"$CKWRAP" inspect --json st > out.json
assert_contains out.json '"position":"9"' "json position"
assert_contains out.json '"complete":false' "json complete"
printf 'not a checkpoint' > bogus
rc=0; "$CKWRAP" inspect bogus 2>err.txt || rc=$?
[ "$rc" -ne 0 ] || fail "inspect accepted garbage"
assert_contains err.txt "bogus" "inspect names the file"

# A resumed launch leaves the job its resume files.
FAIL_ALWAYS=1 run_ckwrap --state-dir st --max-restarts 0 -- ./job.sh
assert_eq 1 "$rc" "failed resumed run"
[ -f st/done.txt ] && [ -f st/state.json ] || fail "no resume files after a resumed launch"
journal=$(ls st/journal.* | head -n 1)
rc=0; "$CKWRAP" inspect "$journal" 2>err.txt || rc=$?
assert_eq 1 "$rc" "inspect of a journal file"
assert_contains err.txt "$journal is a journal (the commits after a snapshot), not a checkpoint" \
  "inspect says the file is a journal"
assert_contains err.txt "ckwrap inspect st" "and what to inspect instead"
assert_not_contains err.txt "bad magic" "no bare 'bad magic'"

run_ckwrap reset st
assert_eq 0 "$rc" "reset"
[ ! -e st/done.txt ] || fail "reset left done.txt"
[ ! -e st/state.json ] || fail "reset left state.json"
left=""
for f in st/* st/.[!.]*; do
  [ -e "$f" ] && [ "$f" != st/lock ] && left="$left ${f#st/}"
done
assert_eq "" "$left" "reset leaves only the lock file"
run_ckwrap --state-dir st --max-restarts 0 -- ./job.sh
assert_eq "fresh --resume-from 9 fresh" "$(paste -sd' ' launches.txt)" "reset run starts fresh"

run_ckwrap --state-dir st --backoff 0 -- ./job.sh
assert_eq 0 "$rc" "resumed run succeeds"
"$CKWRAP" inspect st > out.txt
assert_contains out.txt "complete: yes" "completion marker"
lines=$(wc -l < launches.txt)
run_ckwrap --state-dir st --max-restarts 0 -- ./job.sh
assert_eq 0 "$rc" "the same command after success"
assert_eq "$lines" "$(wc -l < launches.txt)" "after success the same command runs nothing"
run_ckwrap --state-dir st --max-restarts 0 --on-complete rerun -- ./job.sh
assert_eq "fresh" "$(tail -n 1 launches.txt)" "--on-complete rerun after success starts fresh"
run_ckwrap reset no-such-dir
assert_eq 125 "$rc" "reset of a missing dir"
pass "inspect, reset, completion"
