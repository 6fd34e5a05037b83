#!/usr/bin/env bash
# A forwarded signal (a warning such as Slurm's --signal=B:USR1@T) goes by
# default only to the job's processes with a handler for it, so it never kills
# a bash script or a helper that has none: the python worker that handles USR1
# gets it, the script and the helper go on, nothing is relaunched.
# A signal no process handles (SIGHUP here) reaches none of them.
# --forward-to group sends it to the whole group (the handler-less helper dies),
# --forward-to main to the main process only. --checkpoint-signal USR1 on a stop
# reaches only the handler; the stop then goes on with SIGTERM to everyone.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

PYTHON=$(python_bin)

write_scripts() {
  cat > helper.sh <<'JOB'
#!/bin/bash
# No USR1 handler; a TERM trap, so that dying of TERM and of USR1 differ.
trap 'echo term > helper.term; exit 0' TERM
echo $$ > helper.pid
while :; do echo beat >> "helper.$$.beat"; sleep 0.02; done
JOB
  cat > worker.py <<'PY'
import os, signal, sys, time
def on_usr1(*_):
    with open("worker.usr1", "a") as f:
        f.write("usr1\n")
    os.write(3, b"CKPT 9\n")        # what --checkpoint-signal asks for
# TERM ends the loop rather than exiting inside the handler: a USR1 and a
# TERM that arrive together (--forward-to group) then both finish their work.
stopping = []
def on_term(*_):
    stopping.append(1)
signal.signal(signal.SIGUSR1, on_usr1)
signal.signal(signal.SIGTERM, on_term)
os.write(3, b"CKPT 1\n")
with open("worker.pid", "w") as f:
    f.write("%d\n" % os.getpid())
while not stopping:
    time.sleep(0.02)
with open("worker.term", "w") as f:
    f.write("term\n")
PY
  cat > job.sh <<JOB
#!/bin/bash
# No USR1 trap here either.
trap 'echo term > script.term; exit 0' TERM
./helper.sh &
"$PYTHON" worker.py &
echo \$\$ > script.pid
while :; do echo beat >> "script.\$\$.beat"; sleep 0.02; done
JOB
  chmod +x helper.sh job.sh
}

start_job() {
  write_scripts
  start_ckwrap --state-dir st --grace 5s --events events.jsonl "$@" -- ./job.sh
  await script.pid helper.pid worker.pid
  script_beat=script.$(cat script.pid).beat helper_beat=helper.$(cat helper.pid).beat
  await "$script_beat" "$helper_beat"
  script=$(host_pid "$(cat script.pid)")
  helper=$(host_pid "$(cat helper.pid)")
}

# keeps_beating FILE WHAT: the process writing FILE (its pid in the name: not
# a relaunched one) is still alive: 5 more beats (100 ms) after now.
keeps_beating() {
  local n
  n=$(lines "$1")
  wait_or_fail 5 "$2" has_lines "$1" $((n + 5))
}

scenario() {
  local script helper script_beat helper_beat
  # Default (handlers): only the worker gets USR1.
  mkdir handlers && cd handlers
  start_job
  kill -USR1 "$supervisor"
  wait_or_fail 5 "$how: handlers: the worker never handled USR1" [ -s worker.usr1 ]
  keeps_beating "$script_beat" "$how: handlers: the script (no USR1 handler) was killed by USR1"
  keeps_beating "$helper_beat" "$how: handlers: the helper (no USR1 handler) was killed by USR1"
  gone "$script" && fail "$how: handlers: the script is gone"
  gone "$helper" && fail "$how: handlers: the helper is gone"
  # SIGHUP, which no process of the job handles, reaches none of them.
  kill -HUP "$supervisor"
  keeps_beating "$script_beat" "$how: handlers: the script (no HUP handler) was killed by HUP"
  keeps_beating "$helper_beat" "$how: handlers: the helper (no HUP handler) was killed by HUP"
  gone "$(host_pid "$(cat worker.pid)")" && fail "$how: handlers: the worker (no HUP handler) died"
  assert_not_contains events.jsonl '"event":"exit"' "$how: handlers: no attempt ended"
  kill -TERM "$supervisor"
  wait_ckwrap
  assert_eq 75 "$rc" "$how: handlers: stopped"
  assert_eq 1 "$(grep -c '"event":"launch"' events.jsonl)" "$how: handlers: one launch, no relaunch"
  assert_not_contains ckwrap.err "relaunching" "$how: handlers: no relaunch"
  cd ..

  # --forward-to group: everyone gets it; the helper dies of it.
  mkdir group && cd group
  start_job --forward-to group --restart never
  kill -USR1 "$supervisor"
  wait_or_fail 5 "$how: group: the worker never handled USR1" [ -s worker.usr1 ]
  wait_or_fail 5 "$how: group: the helper (no handler) survived USR1" gone "$helper"
  wait_ckwrap
  assert_eq 138 "$rc" "$how: group: the script died of USR1 (--restart never)"
  [ -e helper.term ] && fail "$how: group: the helper died of TERM, not of the USR1"
  cd ..

  # --forward-to main: the script alone gets it (and dies of it); the worker never does.
  mkdir main && cd main
  start_job --forward-to main --restart never
  kill -USR1 "$supervisor"
  wait_or_fail 5 "$how: main: the script (no handler) survived USR1" gone "$script"
  wait_ckwrap
  assert_eq 138 "$rc" "$how: main: the script died of USR1"
  [ -e worker.usr1 ] && fail "$how: main: the worker got USR1"
  [ -e worker.term ] || fail "$how: main: the worker was not stopped with TERM after the script died"
  cd ..

  # --checkpoint-signal USR1 on a stop: only the handler gets USR1 (and
  # checkpoints), then every process gets TERM (the TERM traps prove none died
  # of USR1).
  mkdir checkpoint && cd checkpoint
  start_job --checkpoint-signal USR1 --checkpoint-wait 5s
  wait_until 10 position_is st 1
  kill -TERM "$supervisor"
  wait_ckwrap
  assert_eq 75 "$rc" "$how: checkpoint signal: stopped"
  [ -s worker.usr1 ] || fail "$how: checkpoint signal: the worker never got USR1"
  [ -e script.term ] || { cat ckwrap.err >&2; fail "$how: checkpoint signal: the script died of USR1, not TERM"; }
  [ -e helper.term ] || fail "$how: checkpoint signal: the helper died of USR1, not TERM"
  [ -e worker.term ] || fail "$how: checkpoint signal: the worker never got TERM"
  assert_eq 9 "$(checkpoint_position st)" "$how: checkpoint signal: the worker's checkpoint kept"
  cd ..
  pass "$how: USR1 reaches handlers only; --forward-to group and main; checkpoint signal"
}

run_both_ways scenario
