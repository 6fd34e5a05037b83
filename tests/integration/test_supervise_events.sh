#!/usr/bin/env bash
# --events writes one JSON line per event; --termination-log a one-line summary.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

cat > job.sh <<'JOB'
#!/bin/bash
echo "CKPT 1" >&3
[ "${1:-}" = --resume-from ] || exit 3
JOB
chmod +x job.sh
run_ckwrap --state-dir st --backoff 0 --events events.jsonl --termination-log term.txt -- ./job.sh
assert_eq 0 "$rc" "job"
assert_eq "launch exit restart launch exit finish" \
  "$(sed 's/.*"event":"\([a-z]*\)".*/\1/' events.jsonl | grep -v commit | paste -sd' ')" \
  "event sequence"
assert_contains events.jsonl '"event":"commit","records":' "commits recorded"
assert_contains events.jsonl '"status":3' "exit status recorded"
assert_contains events.jsonl '"resume_from":"1"' "resume position recorded"
if command -v python3 >/dev/null; then
  python3 -c 'import json,sys; [json.loads(l) for l in open("events.jsonl")]' || fail "invalid JSON"
fi
assert_eq 1 "$(wc -l < term.txt)" "one line"
assert_contains term.txt "job succeeded at position 1 after 2 attempts" "summary"

# A commit's event says how long it took: on a disk whose syncs stall for
# 400 ms from the first (slow_fsync), the run's first commit (a snapshot)
# waits for most of that, and once the stall is over the next ones do not.
: "${SLOW_FSYNC:?set SLOW_FSYNC to the slow_fsync preload library}"
cat > two.sh <<'JOB'
#!/bin/bash
echo "CKPT 1" >&3
sleep 0.6
echo "CKPT 2" >&3
JOB
chmod +x two.sh
LD_PRELOAD=$SLOW_FSYNC CKWRAP_TEST_FSYNC_STALL_MS=400 CKWRAP_TEST_FSYNC_STALLED=$PWD/stalled \
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
  run_ckwrap --state-dir st2 --events slow.jsonl -- ./two.sh
assert_eq 0 "$rc" "job on a slow disk"
[ -e stalled ] || fail "the slow disk was not loaded"
python3 - slow.jsonl <<'PY' || fail "commit durations: $(grep commit slow.jsonl)"
import json, sys
commits = [e for e in map(json.loads, open(sys.argv[1])) if e["event"] == "commit"]
assert commits[0]["snapshot"] is True, commits
assert commits[0]["duration_us"] >= 200_000, commits
assert len(commits) >= 2 and commits[-1]["duration_us"] < 200_000, commits
PY
pass "events and termination log"
