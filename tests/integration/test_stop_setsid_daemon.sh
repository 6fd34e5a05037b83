#!/usr/bin/env bash
# A daemon that left the job's process group (setsid) is part of the job all
# the same: when attempt 1's main process crashes, the daemon gets SIGTERM and
# is gone before attempt 2 starts, so the two attempts never run side by side;
# and nothing of the job outlives ckwrap.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

scenario() {
  cat > daemon.sh <<'JOB'
#!/bin/bash
# Appends its attempt number every 20 ms, forever; notes the SIGTERM it gets.
trap 'echo "daemon of attempt $1 got TERM" >> daemon.term; exit 0' TERM
echo $$ > daemon.pid
while :; do echo "$1" >> beats.txt; sleep 0.02; done
JOB
  cat > job.sh <<'JOB'
#!/bin/bash
if [ "$CKWRAP_ATTEMPT" = 1 ]; then
  setsid ./daemon.sh 1 &
  until [ -s beats.txt ]; do sleep 0.01; done   # the daemon runs, out of our group
  until [ -e daemon.seen ]; do sleep 0.01; done  # and the test has found it
  echo "CKPT 1" >&3
  exit 1
fi
# Attempt 2: where beats.txt stood when it started, then 10 beats of its own
# (200 ms) during which a surviving daemon would append its 1s.
wc -c < beats.txt > size_at_attempt2
cp daemon.term term_at_attempt2 2>/dev/null || true
for _ in $(seq 10); do echo 2 >> beats.txt; sleep 0.02; done
echo COMPLETE >&3
JOB
  chmod +x daemon.sh job.sh
  start_ckwrap --state-dir st --grace 5s --backoff 0 -- ./job.sh
  await daemon.pid
  local daemon
  daemon=$(host_pid "$(cat daemon.pid)")
  touch daemon.seen
  wait_ckwrap 15
  assert_eq 0 "$rc" "$how: attempt 2 completes"
  [ -s size_at_attempt2 ] || { cat ckwrap.err >&2; fail "$how: attempt 2 never ran"; }
  tail -c +"$(($(cat size_at_attempt2) + 1))" beats.txt > after_attempt2
  if grep -q '^1$' after_attempt2; then
    cat ckwrap.err >&2
    fail "$how: attempt 1's daemon still ran beside attempt 2 (its lines after attempt 2 started:" \
      "$(grep -c '^1$' after_attempt2), attempt 2's: $(grep -c '^2$' after_attempt2))"
  fi
  [ -s term_at_attempt2 ] || fail "$how: the daemon was gone before attempt 2 but never got SIGTERM"
  gone "$daemon" || fail "$how: the daemon outlived ckwrap"
  pass "$how: a setsid daemon is stopped (SIGTERM) before the next attempt"
}

run_both_ways scenario
