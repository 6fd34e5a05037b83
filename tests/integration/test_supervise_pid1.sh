#!/usr/bin/env bash
# As PID 1 of a new PID namespace, ckwrap reaps every orphan (100 zombies)
# and still exits with the job's own status; nothing of the job outlives it.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

if ! unshare --pid --fork --mount-proc true 2>/dev/null; then
  echo "SKIP: unshare --pid is not permitted here"; exit 0
fi
cat > job.sh <<'JOB'
#!/bin/bash
# 100 orphans: each is the child of a subshell that exits at once, so the
# kernel hands it to PID 1 (ckwrap), which must reap it.
for i in $(seq 100); do ( sh -c 'exit 0' & ) ; done
zombies() { ps -eo stat= | grep -c '^Z' || true; }
for _ in $(seq 500); do
  [ "$(zombies)" = 0 ] && break
  sleep 0.01
done
echo "zombies left: $(zombies)" > result.txt
echo "pid: $$ ckwrap: $PPID" >> result.txt
exit 7
JOB
chmod +x job.sh
rc=0
unshare --pid --fork --mount-proc "$CKWRAP" --state-dir st --max-restarts 0 -- ./job.sh \
  2>ckwrap.err || rc=$?
assert_eq 7 "$rc" "the job's status, not an orphan's"
assert_contains result.txt "zombies left: 0" "orphans reaped"
assert_contains result.txt "ckwrap: 1" "ckwrap was PID 1"

# A daemon that escaped the job's process group is stopped before ckwrap exits.
mkfifo daemon_ready
cat > daemon.sh <<'JOB'
#!/bin/bash
setsid bash -c 'trap "echo daemon-got-TERM >> daemon.txt; exit 0" TERM
                echo up > daemon_ready
                while :; do sleep 0.05; done' &
read -r _ < daemon_ready   # the daemon has left the job's group and set its trap
echo "CKPT 1" >&3
JOB
chmod +x daemon.sh
rc=0
"$CKWRAP" --state-dir st2 --grace 5s -- ./daemon.sh 2>ckwrap.err || rc=$?
assert_eq 0 "$rc" "job status"
assert_contains daemon.txt "daemon-got-TERM" "leftover descendant stopped"
pgrep -f "daemon-got-TERM" >/dev/null && fail "daemon still running"
pass "PID 1 reaps 100 orphans; leftovers stopped"
