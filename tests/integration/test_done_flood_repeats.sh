#!/usr/bin/env bash
# A flood of DONE ids, large batches of which ckwrap adds to its done set on
# a second thread while it parses the next: ids repeated within and across
# batches, FAIL and STATE records between them and a second run that sends
# old and new ids all end as one set, each id once, the same in memory
# (the final counters), on disk (inspect, pending) and after a resume.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

cat > job.sh <<'JOB'
#!/bin/bash
# Run 1: ids 1-200000, FAIL and STATE every 50000, then 100000-300000 again
# (100001 repeats). Run 2 (resumed): ids 250000-350000. Both exit 1.
if [ "${1:-}" = --resume-from ]; then
  awk 'BEGIN { for (i = 250000; i <= 350000; i++) print "DONE id-" i }' >&3
  exit 1
fi
awk 'BEGIN {
  for (i = 1; i <= 200000; i++) {
    print "DONE id-" i
    if (i % 50000 == 0) { print "FAIL bad-" i " broken"; print "STATE at " i; print "CKPT " i }
  }
  for (i = 100000; i <= 300000; i++) print "DONE id-" i
}' >&3
exit 1
JOB
chmod +x job.sh

# pending_is COUNT FIRST LAST: of ids 1 to LAST, exactly FIRST to LAST are not done.
pending_is() {
  seq -f 'id-%.0f' 1 "$3" | "$CKWRAP" pending st > pending.txt
  assert_eq "$(seq -f 'id-%.0f' "$2" "$3")" "$(cat pending.txt)" "pending after $1 ids"
}

run_ckwrap --state-dir st --max-restarts 0 --events events.jsonl -- ./job.sh
assert_eq 1 "$rc" "the first run"
grep -q '"event":"commit".*"snapshot":true' events.jsonl || fail "no compaction snapshot during the flood"
"$CKWRAP" inspect st > inspect.txt
assert_contains inspect.txt "done: 300000" "every id once"
assert_contains inspect.txt "failed: 4" "the FAIL records between the batches"
assert_contains inspect.txt "position: 200000" "the CKPT between the batches"
pending_is 300000 300001 300010

run_ckwrap --state-dir st --max-restarts 0 -- ./job.sh
assert_eq 1 "$rc" "the resumed run"
"$CKWRAP" status --json st > status.json
python3 - status.json <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["done"] == 350000 and s["failed"] == 4, s
PY
pending_is 350000 350001 350010
pass "a flood with repeats, FAILs and a resume keeps each id once"
