#!/usr/bin/env bash
# --on-complete: a command whose checkpoint is complete already. Under Docker
# `--restart always`, a Kubernetes restart or cron the same command line runs
# again after success; by default nothing repeats (exit 0, one line saying
# so); --on-complete rerun (or CKWRAP_ON_COMPLETE) starts it again; a changed
# --input is new work and runs.
TESTS_DIR=${TESTS_DIR:-$(dirname "$0")}
ROOT=$(cd "$TESTS_DIR/../.." && pwd)
# shellcheck source=lib.sh
. "$TESTS_DIR/lib.sh"

# 300 records appended to out.jsonl, resuming after the last CKPT.
cat > job <<'JOB'
#!/bin/bash
start=0
while [ $# -gt 0 ]; do
  if [ "$1" = --resume-from ]; then start=$2; shift; fi
  shift
done
for ((i = start + 1; i <= 300; i++)); do
  echo "{\"row\":$i}" >> out.jsonl
  echo "CKPT $i" >&3
done
JOB
chmod +x job

# A restart-always loop: the container's command, run again after each exit.
for run in 1 2 3; do
  run_ckwrap --termination-log term.txt -- ./job
  assert_eq 0 "$rc" "run $run of the restart loop exits 0"
done
assert_eq 300 "$(wc -l < out.jsonl)" "three runs of a completed job write 300 lines, not 900"
assert_contains ckwrap.err "the last run of this command completed" "the rerun says why"
assert_contains ckwrap.err "nothing to do (--on-complete exit)" "and names the policy"
assert_contains term.txt "already complete at position 300" "the termination log says so"
pass "restart-always loop: the completed job does not repeat (300 lines)"

# Under systemd (Type=notify) a run with nothing to do still says READY=1,
# else systemd counts the exit as a failure and Restart=on-failure loops;
# --events gets its finish event.
python3 - "$CKWRAP" <<'PY' > notify.txt || fail "the notify socket check failed"
import os, socket, subprocess, sys
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(os.path.abspath("notify.sock"))
env = dict(os.environ, NOTIFY_SOCKET=os.path.abspath("notify.sock"))
rc = subprocess.call([sys.argv[1], "--events", "events.jsonl", "--", "./job"], env=env,
                     stderr=subprocess.DEVNULL)
sock.setblocking(False)
messages = []
try:
    while True:
        messages.append(sock.recv(4096).decode())
except BlockingIOError:
    pass
print("rc=%d" % rc)
print("|".join(messages))
PY
assert_contains notify.txt "rc=0" "under a notify socket, exit 0"
assert_contains notify.txt "READY=1" "READY=1 sent"
assert_contains notify.txt "STOPPING=1" "STOPPING=1 sent"
assert_contains events.jsonl '"event":"finish","status":0,"summary":"already complete at position 300"' \
  "the finish event"
assert_eq 300 "$(wc -l < out.jsonl)" "still 300 lines"
pass "nothing to do: READY=1 and STOPPING=1 for systemd, a finish event"

# The README recipe, as printed.
recipe=$(sed -n 's/^    \(ckwrap --on-complete rerun -- .*\)   # .*/\1/p' "$ROOT/README.md")
[ -n "$recipe" ] || fail "README.md has no 'ckwrap --on-complete rerun' recipe"
mkdir bin && ln -s "$CKWRAP" bin/ckwrap
rc=0
PATH="$PWD/bin:$PATH" bash -c "$recipe" 2>ckwrap.err || rc=$?
assert_eq 0 "$rc" "--on-complete rerun"
assert_eq 600 "$(wc -l < out.jsonl)" "--on-complete rerun runs the job again"
assert_contains ckwrap.err "the last run completed (--on-complete rerun); starting fresh" \
  "the rerun says it starts fresh"
CKWRAP_ON_COMPLETE=rerun run_ckwrap -- ./job
assert_eq 900 "$(wc -l < out.jsonl)" "CKWRAP_ON_COMPLETE=rerun too"
CKWRAP_ON_COMPLETE=rerun run_ckwrap --on-complete exit -- ./job
assert_eq 900 "$(wc -l < out.jsonl)" "--on-complete exit overrides the variable"
pass "--on-complete rerun and CKWRAP_ON_COMPLETE start a completed job again"

# A completed run over an input that changed since is new work.
rm out.jsonl
echo a > items.txt
run_ckwrap --state-dir st --input items.txt -- ./job
run_ckwrap --state-dir st --input items.txt -- ./job
assert_eq 300 "$(wc -l < out.jsonl)" "the same input: nothing to do"
echo b >> items.txt
run_ckwrap --state-dir st --input items.txt -- ./job
assert_eq 0 "$rc" "a changed input after completion"
assert_eq 600 "$(wc -l < out.jsonl)" "a changed input after completion runs again"
assert_contains ckwrap.err "with another command line or input; starting fresh" "says why"
pass "a changed --input after completion runs the job again"

run_ckwrap --on-complete again -- ./job
assert_eq 125 "$rc" "a bad --on-complete"
assert_contains ckwrap.err "invalid value 'again' for --on-complete: expected exit or rerun" \
  "names the option and the choices"
CKWRAP_ON_COMPLETE=never run_ckwrap -- ./job
assert_eq 125 "$rc" "a bad CKWRAP_ON_COMPLETE"
assert_contains ckwrap.err "CKWRAP_ON_COMPLETE" "names the variable"
pass "a bad --on-complete value is refused, named"
