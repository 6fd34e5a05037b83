#!/usr/bin/env bash
# The README's Slurm recipe (examples/recipes/slurm-job.sbatch, as printed)
# under a real one-node Slurm 22.05 (scripts/engines/slurm-up). Skipped (77)
# when the machine cannot run Slurm (not root, packages unreachable).
#  1. A job needing three allocations finishes by itself: the time-limit
#     warning (USR1 to the batch shell, i.e. ckwrap) is sent with
#     `scancel --signal=USR1 --batch`, exactly what --signal=B:USR1@T does,
#     at chosen positions instead of up to 60 s early on a 1-minute clock
#     (CKWRAP_ENGINE_SLOW=1 runs it on the real time limit, ~4 minutes);
#     ckwrap's requeue and Slurm's restart are real.
#  2. `scontrol requeue JOBID` from outside: the requeued job resumes.
#  3. Preemption: a job in a partition of a higher PriorityTier takes the
#     node; Slurm requeues the running job (PreemptMode=REQUEUE: TERM to the
#     job's processes, ckwrap among them), which resumes after it.
#  4. An array task is requeued by its own id, one state directory per task;
#     past --max-requeues (here CKWRAP_MAX_REQUEUES=1) ckwrap says so and
#     the job ends without a requeue; `ckwrap status` over the tasks' state
#     directories shows both stopped and the sum of their DONE ids.
TESTS_DIR=${TESTS_DIR:-$(dirname "$0")}
ENGINES=$(cd "$TESTS_DIR/../../scripts/engines" && pwd)
RECIPE=$(cd "$TESTS_DIR/../../examples/recipes" && pwd)/slurm-job.sbatch
# shellcheck source=lib.sh
. "$TESTS_DIR/lib.sh"

started_slurm=0
scontrol ping 2>/dev/null | grep -q UP || started_slurm=1
rc=0
"$ENGINES/slurm-up" || rc=$?
[ "$rc" = 77 ] && { echo "SKIP: no Slurm on this machine (above)"; exit 77; }
[ "$rc" = 0 ] || fail "slurm-up failed ($rc)"
jobs_submitted=""
finish() {
  local job
  for job in $jobs_submitted; do scancel "$job" 2>/dev/null || true; done
  [ "$started_slurm" = 1 ] && "$ENGINES/slurm-down"
  cleanup
}
trap finish EXIT

mkdir bin
ln -s "$CKWRAP" bin/ckwrap
# What the batch script sees: ckwrap on PATH, a HOME of its own.
export PATH=$PWD/bin:$PATH HOME=$PWD
cat > job.sh <<'JOB'
#!/bin/bash
# Items 0..ITEMS-1 of 0.1 s each; a DONE and a CKPT after each, and a CKPT on
# USR1 at once.
start=0
[ "${1:-}" = --resume-from ] && start=$2
echo "allocation restarts=${SLURM_RESTART_COUNT:-0} from=$start" >> "allocations.$SLURM_JOB_NAME"
i=$start
trap 'echo "CKPT $i" >&3' USR1
for ((; i < ITEMS; i++)); do
  echo "$i" >> "out.$SLURM_JOB_NAME${SLURM_ARRAY_TASK_ID:+.$SLURM_ARRAY_TASK_ID}"
  sleep 0.1 & wait $!
  printf 'DONE %s\nCKPT %s\n' "$i" $((i + 1)) >&3
done
JOB
chmod +x job.sh

field() { # JOBID FIELD: a field of `scontrol show job`
  scontrol show job -o "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}
state_is() { [ "$(field "$1" JobState)" = "$2" ]; }
ended() { case "$(field "$1" JobState)" in COMPLETED | FAILED | TIMEOUT | CANCELLED) ;; *) return 1 ;; esac; }
restarts_are() { [ "$(field "$1" Restarts)" = "$2" ]; }
# at_least DIR N: the committed position in DIR is N or more.
at_least() {
  local p
  p=$(checkpoint_position "$1")
  [[ "$p" =~ ^[0-9]+$ ]] && [ "$p" -ge "$2" ]
}
submit() { # NAME SBATCH-OPTIONS...: prints the job id
  local name=$1 id
  shift
  id=$(sbatch --parsable --job-name="$name" --chdir="$PWD" --output="$PWD/slurm-$name.out" \
    "$@" "$RECIPE") || fail "sbatch $name"
  jobs_submitted="$jobs_submitted ${id%%;*}"
  echo "${id%%;*}"
}
# redone NAME: items written more than once (a stop between an item and its CKPT).
redone() { echo $(($(wc -l < "out.$1") - $(sort -nu "out.$1" | wc -l))); }

# ---- 1. Three allocations, two requeues by ckwrap, done by itself. ----
# Warned at 20 and 40: the margin after each keeps a loaded machine from
# finishing an allocation before its warning.
export ITEMS=90
if [ "${CKWRAP_ENGINE_SLOW:-0}" = 1 ]; then
  # 45 s of work under a 1-minute limit, warned at least 30 s before it
  # (measured: 35 to 42 s, slurmctld checks every 30 s or so): two to four
  # allocations.
  export ITEMS=450
  job=$(submit three --time=1 --signal=B:USR1@30)
else
  job=$(submit three --time=10)
  for threshold in 20 40; do
    wait_until 60 at_least ck/three "$threshold"
    wait_until 30 state_is "$job" RUNNING
    scancel --signal=USR1 --batch "$job"
    # The requeued job is pending again (held for cred_expire), then runs.
    wait_until 60 restarts_are "$job" $((threshold / 20))
  done
fi
wait_until 300 ended "$job"
{ cat slurm-three.out; scontrol show job "$job"; } > three.log
assert_contains three.log "JobState=COMPLETED" "slurm: the job finishes by itself"
restarts=$(field "$job" Restarts)
allocations=$(wc -l < allocations.three)
assert_eq $((restarts + 1)) "$allocations" "slurm: one allocation per requeue"
[ "${CKWRAP_ENGINE_SLOW:-0}" = 1 ] || assert_eq 2 "$restarts" "slurm: two requeues"
assert_eq "$ITEMS" "$(sort -nu out.three | wc -l)" "slurm: every item done"
assert_contains slurm-three.out "requeueing job $job (requeue $restarts of at most 3)" "slurm: ckwrap's requeue"
"$CKWRAP" inspect ck/three | grep -qx "complete: yes" || fail "slurm: the checkpoint is retired"
echo "three: allocations=$allocations requeues=$restarts redone=$(redone three) $(tr '\n' ';' < allocations.three)"

# ---- 2. scontrol requeue from outside: TERM to ckwrap, Slurm requeues. ----
export ITEMS=60
job=$(submit outside --time=10)
wait_until 60 at_least ck/outside 10
scontrol requeue "$job"
wait_until 120 ended "$job"
assert_eq COMPLETED "$(field "$job" JobState)" "slurm: the job requeued from outside finishes"
assert_eq 1 "$(field "$job" Restarts)" "slurm: requeued once from outside"
assert_eq "$ITEMS" "$(sort -nu out.outside | wc -l)" "slurm: every item done after the outside requeue"
from=$(sed -n 2p allocations.outside)
[ "${from#*from=}" -ge 10 ] || fail "slurm: the outside requeue did not resume ($from)"
echo "outside: requeues=1 redone=$(redone outside) $(tr '\n' ';' < allocations.outside)"

# ---- 3. Preemption: an urgent job takes the node; the job resumes after. ----
export ITEMS=60
job=$(submit preempted --time=10 --exclusive)
wait_until 60 at_least ck/preempted 10
urgent=$(sbatch --parsable --job-name=urgent --partition=urgent --exclusive --chdir="$PWD" \
  --output="$PWD/slurm-urgent.out" --wrap "echo urgent ran") || fail "sbatch urgent"
jobs_submitted="$jobs_submitted $urgent"
wait_until 120 ended "$job"
assert_eq COMPLETED "$(field "$urgent" JobState)" "slurm: the urgent job ran"
assert_eq COMPLETED "$(field "$job" JobState)" "slurm: the preempted job finishes"
assert_eq 1 "$(field "$job" Restarts)" "slurm: requeued once by the preemption"
assert_eq "$ITEMS" "$(sort -nu out.preempted | wc -l)" "slurm: every item done after the preemption"
from=$(sed -n 2p allocations.preempted)
[ "${from#*from=}" -ge 10 ] || fail "slurm: the preempted job did not resume ($from)"
grep -q "stopped by a signal" slurm-preempted.out || fail "slurm: ckwrap did not stop the job itself"
echo "preempted: requeues=1 redone=$(redone preempted) $(tr '\n' ';' < allocations.preempted)"

# ---- 4. An array of two tasks, each requeued by its own id; the cap. ----
export ITEMS=80 CKWRAP_MAX_REQUEUES=1
job=$(submit arr --time=10 --array=0-1)
for round in 1 2; do
  for task in 0 1; do
    wait_until 60 at_least "ck/arr.$task" $((round * 10))
    wait_until 30 state_is "${job}_$task" RUNNING
    scancel --signal=USR1 --batch "${job}_$task"
  done
  [ "$round" = 2 ] && break
  for task in 0 1; do
    wait_until 60 restarts_are "${job}_$task" 1
  done
done
for task in 0 1; do
  wait_until 60 ended "${job}_$task"
  assert_eq FAILED "$(field "${job}_$task" JobState)" "slurm: task $task ends past the cap"
  assert_eq 1 "$(field "${job}_$task" Restarts)" "slurm: array task $task requeued once, then capped"
  assert_eq 75:0 "$(field "${job}_$task" ExitCode)" "slurm: task $task exits 75"
  at_least "ck/arr.$task" 20 || fail "slurm: task $task's own state directory"
done
assert_contains slurm-arr.out "requeueing job ${job}_0 (requeue 1 of at most 1)" "slurm: array task id"
assert_contains slurm-arr.out "not requeued: job ${job}_1 was requeued 1 times, --max-requeues is 1" \
  "slurm: the cap is said"
# One view of the array: both tasks stopped (75, past the cap), and the total
# is the sum of their DONE ids, one per item up to each task's position.
"$CKWRAP" status ck/arr.0 ck/arr.1 > arr-status.txt
cat arr-status.txt
"$CKWRAP" status ck/arr.0 ck/arr.1 --json > arr-status.json
python3 - arr-status.json <<'PY' || fail "slurm: ckwrap status over the array (above)"
import json, sys
view = json.load(open(sys.argv[1]))
jobs, total = view["jobs"], view["total"]
assert [j["dir"] for j in jobs] == ["ck/arr.0", "ck/arr.1"], jobs
assert all(j["state"] == "stopped" and j["last_exit"] == 75 for j in jobs), jobs
assert all(j["done"] == int(j["position"]) >= 20 for j in jobs), jobs
assert total["shards"] == 2 and total["stopped"] == 2 and total["running"] == 0, total
assert total["done"] == sum(int(j["position"]) for j in jobs), total
PY
assert_contains arr-status.txt "total	shards=2	running=0	stopped=2	complete=0	stuck=0" "slurm: status total"
pass "slurm: three allocations by ckwrap's requeue, an outside requeue, a preemption, array" \
  "tasks and the cap"
