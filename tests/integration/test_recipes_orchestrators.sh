#!/usr/bin/env bash
# The README's recipes for engines that cannot run here, with this script
# playing the orchestrator's part: a Kubernetes Job (restartPolicy Never: a
# new pod on the same volume after a stop, fail the Job on 76, one state dir
# per completion index), docker stop (TERM, then KILL after its timeout); and
# quick stand-ins for systemd and Slurm, which test_engine_systemd.sh and
# test_engine_slurm.sh run for real.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

mkfifo ready
cat > shard.sh <<'JOB'
#!/bin/bash
# Processes items 0..59 of its shard; checkpoints on USR1 and on every item.
start=0
[ "${1:-}" = --resume-from ] && start=$2
i=$start
trap 'echo "CKPT $i" >&3' USR1
echo $$ > ready
for ((; i < 60; i++)); do
  echo "$i" >> "out.$JOB_COMPLETION_INDEX"
  echo "CKPT $((i + 1))" >&3
  sleep 0.005
done
JOB
chmod +x shard.sh

# Kubernetes: restartPolicy Never with backoffLimit: a new pod on the same
# volume after a failed one; podFailurePolicy FailJob on exit 76. The
# kubelet stops the container (TERM, grace, KILL) twice along the way.
export CKWRAP_TERMINATION_LOG=$PWD/termination-log CKWRAP_GRACE=2s
for index in 0 1; do
  export JOB_COMPLETION_INDEX=$index CKWRAP_STATE_DIR=$PWD/volume/shard-$index
  restarts=0
  while :; do
    "$CKWRAP" -- ./shard.sh 2>>ckwrap.err &
    container=$!
    read -r _ < ready
    if [ $restarts -lt 2 ]; then
      wait_until 20 sh -c "\"$CKWRAP\" inspect \"$CKWRAP_STATE_DIR\" 2>/dev/null | grep -q '^position: [1-9]'"
      kill -TERM "$container"
    fi
    rc=0; wait "$container" || rc=$?
    [ "$rc" = 0 ] && break
    [ "$rc" = 76 ] && fail "k8s: FailJob on 76"
    [ "$rc" = 75 ] || fail "k8s: a stopped container exits 75, got $rc"
    restarts=$((restarts + 1))
  done
  assert_eq 60 "$(sort -nu "out.$index" | wc -l)" "k8s shard $index complete"
  # A stop can land between an item's output and its CKPT: that one item is redone.
  [ "$(wc -l < "out.$index")" -le $((60 + restarts)) ] ||
    fail "k8s shard $index: more than one item redone per stop"
done
assert_contains termination-log "job succeeded at position 60" "termination message"
unset CKWRAP_STATE_DIR CKWRAP_TERMINATION_LOG CKWRAP_GRACE JOB_COMPLETION_INDEX

# systemd: Restart=on-failure, RestartPreventExitStatus=76: a poison item
# gives 76 and systemd does not restart.
printf '#!/bin/sh\necho "CKPT 1" >&3\nkill -9 $$\n' > poison.sh
chmod +x poison.sh
run_ckwrap --state-dir sd --backoff 0 --no-progress-limit 2 -- ./poison.sh
assert_eq 76 "$rc" "systemd: RestartPreventExitStatus=76 applies"

# docker stop -t 1: TERM, then KILL after 1s. ckwrap's --grace (300ms) is
# shorter, so ckwrap commits and exits 75 before Docker's KILL.
cat > stubborn.sh <<'JOB'
#!/bin/bash
trap '' TERM
echo "CKPT 9" >&3
echo $$ > ready
while :; do sleep 0.05; done
JOB
chmod +x stubborn.sh
"$CKWRAP" --state-dir dk --grace 300ms -- ./stubborn.sh 2>>ckwrap.err &
container=$!
read -r _ < ready
kill -TERM "$container"
# Docker's own stop timeout, as Docker runs it.
( sleep 1; kill -KILL "$container" 2>/dev/null ) &
docker_timeout=$!
rc=0
wait "$container" || rc=$?
kill "$docker_timeout" 2>/dev/null || true
assert_eq 75 "$rc" "docker stop: exits 75 within Docker's timeout (137: Docker had to KILL)"
assert_eq 9 "$(checkpoint_position dk)" "docker stop: progress kept"

# Slurm: --signal=B:USR1@120 sends USR1 to ckwrap before the time limit;
# ckwrap forwards it and the job checkpoints; then TERM at the limit; the
# requeued job resumes.
export JOB_COMPLETION_INDEX=slurm
"$CKWRAP" --state-dir sl -- ./shard.sh 2>>ckwrap.err &
batch=$!
read -r _ < ready
wait_until 20 sh -c "\"$CKWRAP\" inspect sl 2>/dev/null | grep -q '^position: [1-9]'"
kill -USR1 "$batch"
kill -TERM "$batch"
rc=0; wait "$batch" || rc=$?
assert_eq 75 "$rc" "slurm: stopped at the time limit"
run_ckwrap --state-dir sl -- ./shard.sh &
read -r _ < ready
wait $! || fail "slurm: requeued run"
assert_eq 60 "$(sort -nu out.slurm | wc -l)" "slurm: requeued job completes"
pass "kubernetes, systemd, docker and slurm recipes"
