#!/usr/bin/env bash
# A stop is a stop: a job that, asked to stop, saves its place and exits 0
# leaves ckwrap exiting 75 with the checkpoint kept (by SIGTERM, by SIGINT, and
# when the job and ckwrap get SIGTERM at once), and the next run resumes. Only
# COMPLETE (or exit 0 with no stop asked) retires the checkpoint.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

PYTHON=$(python_bin)

# stop_then_resume SIGNAL WHO: WHO is ckwrap or both (ckwrap and the job in
# one kill, as an engine that signals every process of a container).
stop_then_resume() {
  local signal=$1 who=$2 what="$how: $1 to $2"
  mkdir "$1-$2" && cd "$1-$2"
  cat > job.py <<'PY'
import os, signal, sys
args = sys.argv[1:]
with open("launches.txt", "a") as f:
    f.write(" ".join(args) or "fresh")
    f.write("\n")
if args[:1] == ["--resume-from"]:
    sys.exit(0)
def stop(*_):
    os.write(3, b"CKPT 5\n")
    sys.exit(0)                  # a clean exit, as many jobs do when asked to stop
signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
os.write(3, b"CKPT 1\n")
with open("job.pid", "w") as f:
    f.write("%d\n" % os.getpid())
while True:
    signal.pause()
PY
  start_ckwrap --state-dir st --grace 5s -- "$PYTHON" job.py
  await job.pid
  wait_until 10 position_is st 1
  if [ "$who" = both ]; then
    kill -"$signal" "$supervisor" "$(host_pid "$(cat job.pid)")"
  else
    kill -"$signal" "$supervisor"
  fi
  wait_ckwrap
  assert_eq 75 "$rc" "$what: a stop exits 75 although the job exited 0"
  assert_contains ckwrap.err "resumable" "$what: stop reported"
  assert_eq 5 "$(checkpoint_position st)" "$what: the job's last CKPT kept"
  assert_eq no "$("$CKWRAP" inspect --field complete st)" "$what: not retired"

  start_ckwrap --state-dir st -- "$PYTHON" job.py
  wait_ckwrap
  assert_eq 0 "$rc" "$what: the next run"
  assert_contains ckwrap.err "resuming from 5" "$what: the next run resumes"
  assert_eq 1 "$(grep -c 'resuming from' ckwrap.err)" "$what: the resume is said once"
  assert_not_contains ckwrap.err "starting fresh" "$what: not a fresh start"
  assert_eq "fresh|--resume-from 5" "$(paste -sd'|' launches.txt)" "$what: resumed with the position"
  cd ..
}

scenario() {
  stop_then_resume TERM ckwrap
  stop_then_resume INT ckwrap
  stop_then_resume TERM both

  # COMPLETE, then exit 0, on SIGTERM: success, retired.
  mkdir complete && cd complete
  cat > job.sh <<'JOB'
#!/bin/bash
echo "${*:-fresh}" >> launches.txt
trap 'echo "CKPT 9" >&3; echo COMPLETE >&3; exit 0' TERM
echo "CKPT 1" >&3
echo up > ready
while :; do sleep 0.02; done
JOB
  chmod +x job.sh
  start_ckwrap --state-dir st --grace 5s -- ./job.sh
  await ready
  kill -TERM "$supervisor"
  wait_ckwrap
  assert_eq 0 "$rc" "$how: COMPLETE then exit 0 on a stop succeeds"
  assert_eq yes "$("$CKWRAP" inspect --field complete st)" "$how: COMPLETE retires"
  rm ready
  start_ckwrap --state-dir st --grace 5s --on-complete rerun -- ./job.sh
  await ready
  kill -TERM "$supervisor"
  wait_ckwrap
  assert_contains ckwrap.err "starting fresh" "$how: the run after COMPLETE starts fresh"
  assert_eq "fresh|fresh" "$(paste -sd'|' launches.txt)" "$how: no --resume-from after COMPLETE"
  cd ..
  pass "$how: exit 0 after a stop keeps the checkpoint; COMPLETE retires it"
}

run_both_ways scenario
