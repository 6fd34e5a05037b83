#!/usr/bin/env bash
# ckwrap status reports a real run: while the supervisor holds the directory
# (running, its pid), after a crash and restart, and after success; --field
# gives bare values; with no argument it lists the jobs under .ckwrap/, a job
# whose checkpoints all fail to verify included, as damaged.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

mkfifo go
cat > job.sh <<'JOB'
#!/bin/bash
if [ "${1:-}" != --resume-from ]; then
  printf 'CKPT 7\nDONE a\nDONE b\nFAIL c bad row\nPROGRESS 3 10\n' >&3
  exit 3
fi
printf 'STATE cursor k9\nDONE d\nPROGRESS 4 10\nCKPT 9\n' >&3
echo ready > ready.txt
read -r _ < go
JOB
chmod +x job.sh

"$CKWRAP" --name imp --backoff 0 -- ./job.sh 2>ckwrap.err &
sup=$!
wait_until 10 test -s ready.txt
wait_until 10 sh -c '"$0" status --name imp --field position | grep -qx 9' "$CKWRAP"
"$CKWRAP" status --name imp --json > running.json
python3 - "$sup" <<'PY'
import json, sys
s = json.load(open("running.json"))
assert s["state"] == "running", s
assert s["running"] is True and s["supervisor_pid"] == int(sys.argv[1]), s
assert s["position"] == "9", s
assert s["done"] == 3 and s["failed"] == 1, s
assert s["attempts"] == 2 and s["restarts"] == 1, s
assert s["progress_done"] == 4 and s["progress_total"] == 10, s
assert s["complete"] is False, s
assert s["job_state"] == {"cursor": "k9"}, s
assert 0 <= s["last_commit_age_ms"] < 60000, s
assert s["last_commit_unix_ms"] > 1700000000000, s
PY
assert_eq "$sup" "$("$CKWRAP" status --name imp --field supervisor_pid)" "--field supervisor_pid"
"$CKWRAP" status --name imp > running.txt
assert_contains running.txt "state: running (supervisor pid $sup)" "text state"
assert_contains running.txt "last commit: " "text last commit"

echo go > go
rc=0; wait "$sup" || rc=$?
assert_eq 0 "$rc" "job succeeded"
"$CKWRAP" status .ckwrap/imp --json > done.json
python3 - <<'PY'
import json
s = json.load(open("done.json"))
assert s["state"] == "complete" and s["complete"] is True, s
assert s["running"] is False and s["supervisor_pid"] == 0, s
PY
assert_eq complete "$("$CKWRAP" status --name imp --field state)" "--field state"

# No argument: every job under .ckwrap/.
mkdir -p .ckwrap/empty
"$CKWRAP" status --json > list.json
python3 - <<'PY'
import json
jobs = json.load(open("list.json"))
assert [j["dir"] for j in jobs] == [".ckwrap/empty", ".ckwrap/imp"], jobs
assert jobs[0]["state"] == "new" and jobs[0]["position"] is None, jobs
PY
"$CKWRAP" status > list.txt
assert_contains list.txt "imp	complete" "text listing"

# A job whose every checkpoint fails to verify is listed as damaged, not left out.
cp -r .ckwrap/imp .ckwrap/broken
for f in .ckwrap/broken/checkpoint.*; do printf 'garbage' | dd of="$f" bs=1 seek=0 conv=notrunc status=none; done
rc=0; "$CKWRAP" status --json > list.json 2>ckwrap.err || rc=$?
assert_eq 1 "$rc" "a damaged job makes the listing exit 1"
python3 - <<'PY'
import json
jobs = json.load(open("list.json"))
assert [j["dir"] for j in jobs] == [".ckwrap/broken", ".ckwrap/empty", ".ckwrap/imp"], jobs
assert jobs[0]["state"] == "damaged" and "bad magic" in jobs[0]["error"], jobs[0]
assert "error" not in jobs[2], jobs[2]
PY
rc=0; "$CKWRAP" status > list.txt 2>ckwrap.err || rc=$?
assert_eq 1 "$rc" "text listing with a damaged job"
assert_contains list.txt "broken	damaged" "the damaged job is in the text listing"
rc=0; "$CKWRAP" status --name broken > one.txt 2>ckwrap.err || rc=$?
assert_eq 1 "$rc" "status of a damaged job"
assert_contains one.txt "state: damaged" "one damaged job, text"
assert_contains one.txt "error: " "with the error"
assert_eq damaged "$("$CKWRAP" status --name broken --field state 2>/dev/null || true)" "--field state"
rm -r .ckwrap/broken

run_ckwrap status --name imp --field nosuch
assert_eq 125 "$rc" "unknown field"
assert_contains ckwrap.err "nosuch" "names the bad field"
run_ckwrap status no-such-dir
assert_eq 1 "$rc" "missing dir"
pass "status"
