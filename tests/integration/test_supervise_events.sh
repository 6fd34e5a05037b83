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
pass "events and termination log"
