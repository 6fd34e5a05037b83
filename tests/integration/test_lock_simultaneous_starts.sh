#!/usr/bin/env bash
# 50 ckwraps started at once on one state directory: one runs the job, and
# every other is refused (125) with a message naming the holder's real pid,
# or saying the holder is still starting; never "pid 0" (issue 17 saw it in
# 7 of 50 starts: the loser read the lock file before the winner wrote it).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

cat > job.sh <<'JOB'
#!/bin/sh
echo started >> started
i=0
while [ ! -e release ] && [ $i -lt 3000 ]; do sleep 0.01; i=$((i + 1)); done
JOB
chmod +x job.sh
mkdir -m 0700 st

refused() { [ "$(grep -l "in use by another ckwrap" err.* 2>/dev/null | wc -l)" -ge "$1" ]; }

starts=50
for round in 1 2 3; do
  rm -f err.* release started
  pids=()
  for i in $(seq $starts); do
    "$CKWRAP" --state-dir st --on-complete rerun -- ./job.sh 2> "err.$i" &
    pids+=($!)
  done
  wait_until 60 refused $((starts - 1))
  touch release
  for pid in "${pids[@]}"; do wait "$pid" || true; done
  assert_eq 1 "$(wc -l < started)" "round $round: jobs started"
  if grep -h "pid 0)" err.*; then fail "round $round: a refusal names pid 0"; fi
  named=$(grep -lE "in use by another ckwrap \((pid [1-9][0-9]*\)|starting)" err.* | wc -l)
  assert_eq $((starts - 1)) "$named" "round $round: refusals naming the holder"
done
pass "$starts simultaneous starts x3: one ran, every refusal names a real pid or says starting"
