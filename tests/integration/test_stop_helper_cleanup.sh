#!/usr/bin/env bash
# A background helper that traps SIGTERM and needs 0.5 s to clean up gets that
# time: (a) on a stop, ckwrap exits 75 only once the helper has written its
# marker; (b) after a crash of the main process, the helper gets SIGTERM and
# finishes before attempt 2 starts; (c) --relaunch-grace (and
# CKWRAP_RELAUNCH_GRACE) bounds that wait after a crash, TERM coming first.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

write_scripts() {
  # The cleanup is 0.5 s of the shell's own time (a read that times out on a
  # fifo nobody writes), not a child process a second signal could cut short.
  cat > helper.sh <<'JOB'
#!/bin/bash
mkfifo "clean.$$"
trap 'read -r -t 0.5 _ <> "clean.$$"; echo "helper-cleaned attempt $CKWRAP_ATTEMPT" >> order.txt; exit 0' TERM
echo up > "helper.ready.$CKWRAP_ATTEMPT"
while :; do sleep 0.02; done
JOB
  cat > stubborn.sh <<'JOB'
#!/bin/bash
trap 'echo "stubborn-got-TERM attempt $CKWRAP_ATTEMPT" >> order.txt' TERM
echo up > "helper.ready.$CKWRAP_ATTEMPT"
while :; do sleep 0.02; done
JOB
  cat > job.sh <<'JOB'
#!/bin/bash
# $1: stop (wait to be stopped) or crash (exit 1 on attempt 1).
echo "attempt-start $CKWRAP_ATTEMPT" >> order.txt
if [ "$CKWRAP_ATTEMPT" -gt 1 ]; then echo COMPLETE >&3; exit 0; fi
"./${HELPER:-helper.sh}" &
until [ -s helper.ready.1 ]; do sleep 0.01; done
echo "CKPT 1" >&3
echo up > main.ready
[ "$1" = crash ] && exit 1
while :; do sleep 0.02; done
JOB
  chmod +x helper.sh stubborn.sh job.sh
}

scenario() {
  local t0 t1
  # (a) stop
  mkdir a && cd a && write_scripts
  start_ckwrap --state-dir st --grace 5s -- ./job.sh stop
  await main.ready
  t0=$(now_ms)
  kill -TERM "$supervisor"
  wait_ckwrap
  t1=$(now_ms)
  echo "$how: (a) SIGTERM to exit: $((t1 - t0)) ms"
  assert_eq 75 "$rc" "$how: (a) stopped status"
  [ -e order.txt ] && grep -q helper-cleaned order.txt ||
    { cat ckwrap.err >&2; fail "$how: (a) ckwrap exited before the helper finished its cleanup"; }
  [ $((t1 - t0)) -ge 450 ] || fail "$how: (a) exited after $((t1 - t0)) ms, before the helper's 500 ms"
  [ $((t1 - t0)) -lt 5000 ] || fail "$how: (a) took the whole grace"
  assert_eq 1 "$(checkpoint_position st)" "$how: (a) progress kept"
  cd ..

  # (b) crash: the helper's cleanup ends before attempt 2 starts
  mkdir b && cd b && write_scripts
  start_ckwrap --state-dir st --grace 5s --backoff 0 -- ./job.sh crash
  wait_ckwrap 15
  assert_eq 0 "$rc" "$how: (b) attempt 2 completes"
  assert_eq "attempt-start 1|helper-cleaned attempt 1|attempt-start 2" "$(paste -sd'|' order.txt)" \
    "$how: (b) the helper got SIGTERM and finished before attempt 2"
  cd ..

  # (c) a helper that ignores SIGTERM: TERM first, then SIGKILL after
  # --relaunch-grace (not the 30 s --grace), and only then attempt 2.
  local way
  for way in option env; do
    mkdir "c-$way" && cd "c-$way" && write_scripts
    t0=$(now_ms)
    if [ "$way" = option ]; then
      HELPER=stubborn.sh start_ckwrap --state-dir st --grace 30s --relaunch-grace 300ms --backoff 0 \
        -- ./job.sh crash
    else
      HELPER=stubborn.sh CKWRAP_RELAUNCH_GRACE=300ms start_ckwrap --state-dir st --grace 30s \
        --backoff 0 -- ./job.sh crash
    fi
    wait_ckwrap 15
    t1=$(now_ms)
    assert_eq 0 "$rc" "$how: (c, $way) attempt 2 completes"
    assert_eq "attempt-start 1|stubborn-got-TERM attempt 1|attempt-start 2" \
      "$(uniq order.txt | paste -sd'|')" "$how: (c, $way) TERM, then the kill, then attempt 2"
    [ $((t1 - t0)) -ge 300 ] || fail "$how: (c, $way) attempt 2 came before --relaunch-grace ran out"
    [ $((t1 - t0)) -lt 10000 ] || fail "$how: (c, $way) waited for --grace, not --relaunch-grace"
    cd ..
  done
  pass "$how: helpers get SIGTERM and their cleanup time on a stop and across a crash"
}

run_both_ways scenario
