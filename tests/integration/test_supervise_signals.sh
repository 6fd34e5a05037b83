#!/usr/bin/env bash
# Signals reach the whole process group, grandchildren included; a job that
# ignores SIGTERM is killed after --grace and its progress is kept;
# --checkpoint-signal lets the job save its place before it is stopped.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

mkfifo ready
cat > job.sh <<'JOB'
#!/bin/bash
# The work happens in a grandchild, as in most shell scripts; the script
# itself survives USR1 (a trap) and waits for it.
trap 'echo script-got-USR1 >> signals.txt' USR1
bash -c 'trap "echo grandchild-got-USR1 >> signals.txt" USR1
         echo go > ready
         while :; do sleep 0.05; done' &
worker=$!
while kill -0 "$worker" 2>/dev/null; do wait "$worker"; done
JOB
chmod +x job.sh
"$CKWRAP" --state-dir st1 --grace 5s -- ./job.sh 2>ckwrap.err &
supervisor=$!
read -r _ < ready
kill -USR1 "$supervisor"
wait_until 20 grep -q grandchild-got-USR1 signals.txt
kill -TERM "$supervisor"
rc=0; wait "$supervisor" || rc=$?
assert_eq 75 "$rc" "stopped"

# Ignores SIGTERM: killed after the grace, progress kept.
cat > stubborn.sh <<'JOB'
#!/bin/bash
trap '' TERM
echo "CKPT 17" >&3
echo go > ready
while :; do sleep 0.05; done
JOB
chmod +x stubborn.sh
"$CKWRAP" --state-dir st2 --grace 300ms -- ./stubborn.sh 2>ckwrap.err &
supervisor=$!
read -r _ < ready
kill -TERM "$supervisor"
rc=0; wait "$supervisor" || rc=$?
assert_eq 75 "$rc" "stopped after grace"
assert_contains ckwrap.err "did not stop within the grace period" "grace reported"
assert_eq 17 "$(checkpoint_position st2)" "progress kept"

# --checkpoint-signal: the job reports where it is on USR1, before the TERM.
cat > polite.sh <<'JOB'
#!/bin/bash
i=0
trap 'echo "CKPT $i" >&3' USR1
trap 'echo "term at $i" >> signals.txt; exit 143' TERM
echo go > ready
while :; do i=$((i + 1)); sleep 0.01; done
JOB
chmod +x polite.sh
rm -f signals.txt
"$CKWRAP" --state-dir st3 --checkpoint-signal USR1 --checkpoint-wait 10s -- ./polite.sh 2>ckwrap.err &
supervisor=$!
read -r _ < ready
kill -TERM "$supervisor"
rc=0; wait "$supervisor" || rc=$?
assert_eq 75 "$rc" "stopped"
position=$(checkpoint_position st3)
[ -n "$position" ] || fail "no checkpoint from the checkpoint signal"
grep -q "term at" signals.txt || fail "job never got TERM after checkpointing"
pass "signals to grandchildren, grace, checkpoint signal (saved at $position)"
