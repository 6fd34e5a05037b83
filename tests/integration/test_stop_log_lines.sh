#!/usr/bin/env bash
# One log line per thing: once a stop has begun, ckwrap never says it is
# relaunching nor that the job was "killed by signal 15", and every exit 75
# prints a line with "resumable" and the position. Cases: an engine that
# signals every process at once (ckwrap and the job's main process in one
# kill; the job's whole group and ckwrap in one kill), a stop during the
# relaunch delay (--backoff 5s), and a stop while a crashed attempt's helper
# is still cleaning up.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

write_job() {
  cat > job.sh <<'JOB'
#!/bin/bash
# No trap: dies of SIGTERM. $1: wait (to be stopped) or crash.
echo "CKPT 3" >&3
if [ "$1" = crash ]; then
  if [ "${2:-}" = helper ]; then
    # 1 s of cleanup on TERM (a read timing out on a fifo nobody writes).
    [ -p clean.fifo ] || mkfifo clean.fifo
    bash -c 'trap "echo got-TERM > helper.term; read -r -t 1 _ <> clean.fifo; exit 0" TERM
             echo up > helper.ready
             while :; do sleep 0.02; done' &
    until [ -s helper.ready ]; do sleep 0.01; done
  fi
  exit 1
fi
echo $$ > job.pid
while :; do sleep 0.02; done
JOB
  chmod +x job.sh
}

# stopped_cleanly WHAT FROM [backoff]: exit 75; from line FROM of ckwrap's
# stderr on (what it said once the stop was asked), a line saying resumable at
# position 3, and no relaunch nor crash line. With backoff, the announcement of
# the delay the stop cut short may come late, but only once.
stopped_cleanly() {
  assert_eq 75 "$rc" "$1: stopped status"
  tail -n +"$2" ckwrap.err > after_stop.err
  if [ "${3:-}" = backoff ]; then
    [ "$(grep -c relaunching ckwrap.err)" -le 1 ] ||
      { cat ckwrap.err >&2; fail "$1: a relaunch announced after the stop"; }
  else
    assert_not_contains after_stop.err "relaunching" "$1: no relaunch announced once stopping"
  fi
  assert_not_contains after_stop.err "killed by signal 15" "$1: the stop is not reported as a crash"
  grep "resumable" after_stop.err | grep -q "position 3" ||
    { cat ckwrap.err >&2; fail "$1: no line saying resumable at position 3"; }
}

# from_now: the number of the next line ckwrap will write to its stderr.
from_now() {
  echo $(($(lines ckwrap.err) + 1))
}

scenario() {
  local i job from
  for i in 1 2 3; do
    # ckwrap first, then the job's main process, in one kill(1).
    mkdir "both-$i" && cd "both-$i" && write_job
    start_ckwrap --state-dir st --grace 5s -- ./job.sh wait
    await job.pid
    wait_until 10 position_is st 3
    job=$(host_pid "$(cat job.pid)")
    from=$(from_now)
    kill -TERM "$supervisor" "$job" 2>/dev/null  # the job may be gone already
    wait_ckwrap
    stopped_cleanly "$how: ckwrap and the job at once (#$i)" "$from"
    cd ..

    # The job's whole process group first, then ckwrap, in one kill(1).
    mkdir "group-$i" && cd "group-$i" && write_job
    start_ckwrap --state-dir st --grace 5s -- ./job.sh wait
    await job.pid
    wait_until 10 position_is st 3
    job=$(host_pid "$(cat job.pid)")
    from=$(from_now)
    kill -TERM -- "-$job" "$supervisor" 2>/dev/null
    wait_ckwrap
    stopped_cleanly "$how: the job's group and ckwrap at once (#$i)" "$from"
    cd ..
  done

  # A stop during the relaunch delay: exit 75 at once, and said so.
  mkdir backoff && cd backoff && write_job
  local t0 t1
  start_ckwrap --state-dir st --backoff 5s --events events.jsonl -- ./job.sh crash
  wait_until 10 grep -qs '"event":"restart"' events.jsonl
  from=$(from_now)
  t0=$(now_ms)
  kill -TERM "$supervisor"
  wait_ckwrap
  t1=$(now_ms)
  stopped_cleanly "$how: stop during the backoff" "$from" backoff
  [ $((t1 - t0)) -lt 2000 ] || fail "$how: stop during the backoff took $((t1 - t0)) ms"
  assert_eq 1 "$(grep -c '"event":"launch"' events.jsonl)" "$how: stop during the backoff: no relaunch"
  cd ..

  # A stop while the crashed attempt's helper is cleaning up (the relaunch
  # grace): no relaunch, no "relaunching", one resumable line.
  mkdir cleanup && cd cleanup && write_job
  start_ckwrap --state-dir st --grace 5s --backoff 0 --events events.jsonl -- ./job.sh crash helper
  wait_or_fail 10 "$how: the crashed attempt's helper never got SIGTERM" [ -s helper.term ]
  from=$(from_now)
  kill -TERM "$supervisor"
  wait_ckwrap
  stopped_cleanly "$how: stop during the relaunch grace" "$from"
  assert_eq 1 "$(grep -c '"event":"launch"' events.jsonl)" "$how: stop during the relaunch grace: no relaunch"
  cd ..
  pass "$how: one log line per thing on stops"
}

run_both_ways scenario
