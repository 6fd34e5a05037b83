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
# Run 1: ids 1-500000, FAIL and STATE every 125000, then 250000-750000 again
# (250001 repeats): a journal past 8 MiB, so a compaction snapshot is written
# while ids stream in. Run 2 (resumed): ids 700000-800000. Both exit 1.
if [ "${1:-}" = --resume-from ]; then
  awk 'BEGIN { for (i = 700000; i <= 800000; i++) print "DONE id-" i }' >&3
  exit 1
fi
awk 'BEGIN {
  for (i = 1; i <= 500000; i++) {
    print "DONE id-" i
    if (i % 125000 == 0) { print "FAIL bad-" i " broken"; print "STATE at " i; print "CKPT " i }
  }
  for (i = 250000; i <= 750000; i++) print "DONE id-" i
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
# A snapshot after the run's first commit (which is always one).
[ "$(grep '"event":"commit"' events.jsonl | tail -n +2 | grep -c '"snapshot":true')" -ge 1 ] ||
  fail "no compaction snapshot during the flood"
"$CKWRAP" inspect st > inspect.txt
assert_contains inspect.txt "done: 750000" "every id once"
assert_contains inspect.txt "failed: 4" "the FAIL records between the batches"
assert_contains inspect.txt "position: 500000" "the CKPT between the batches"
pending_is 750000 750001 750010

run_ckwrap --state-dir st --max-restarts 0 -- ./job.sh
assert_eq 1 "$rc" "the resumed run"
"$CKWRAP" status --json st > status.json
python3 - status.json <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["done"] == 800000 and s["failed"] == 4, s
PY
pending_is 800000 800001 800010
pass "a flood with repeats, FAILs and a resume keeps each id once"
