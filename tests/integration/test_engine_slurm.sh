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
#  4. The array recipe (examples/recipes/slurm-array.sbatch): 4 tasks on the
#     node's 2 CPUs, each doing its own shard of one input
#     (`ckwrap pending --shard`) in its own state directory. Each is requeued
#     by its own id and resumes its shard; one is warned again past
#     --max-requeues (here CKWRAP_MAX_REQUEUES=1): ckwrap says so and it ends
#     with 75. `ckwrap status` over the tasks' state directories shows three
#     complete, one stopped and the sum of their DONE ids; that task
#     resubmitted alone resumes its shard, and the four shards together did
#     every id.
TESTS_DIR=${TESTS_DIR:-$(dirname "$0")}
RECIPES=$(cd "$TESTS_DIR/../../examples/recipes" && pwd)
# shellcheck source=lib.sh
. "$TESTS_DIR/lib.sh"
# shellcheck source=slurm_lib.sh
. "$TESTS_DIR/slurm_lib.sh"

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
  echo "$i" >> "out.$SLURM_JOB_NAME"
  sleep 0.1 & wait $!
  printf 'DONE %s\nCKPT %s\n' "$i" $((i + 1)) >&3
done
JOB
chmod +x job.sh

# at_least DIR N: the committed position in DIR is N or more.
at_least() {
  local p
  p=$(checkpoint_position "$1")
  [[ "$p" =~ ^[0-9]+$ ]] && [ "$p" -ge "$2" ]
}
submit() { # NAME SBATCH-OPTIONS...: prints the job id (the recipe: $RECIPE)
  local name=$1 id
  shift
  id=$(sbatch --parsable --job-name="$name" --chdir="$PWD" --output="$PWD/slurm-$name.out" \
    "$@" "$RECIPE") || fail "sbatch $name"
  jobs_submitted="$jobs_submitted ${id%%;*}"
  echo "${id%%;*}"
}
# redone NAME: items written more than once (a stop between an item and its CKPT).
redone() { echo $(($(wc -l < "out.$1") - $(sort -u "out.$1" | wc -l))); }

RECIPE=$RECIPES/slurm-job.sbatch
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

# ---- 4. The array recipe: 4 shards of one input, each requeued, the cap. ----
RECIPE=$RECIPES/slurm-array.sbatch
export CKWRAP_MAX_REQUEUES=1
seq -f 'id-%.0f' 1 160 > ids.txt
cat > process.sh <<'JOB'
#!/bin/bash
# One id a line on standard input, 0.1 s each, a DONE after each. With
# STALL=1, the first allocation of each task (and the second of task 3)
# outlasts its time limit: after 5 ids it waits for the warning.
restarts=${SLURM_RESTART_COUNT:-0}
echo "allocation restarts=$restarts" >> "allocations.arr.$SLURM_ARRAY_TASK_ID"
n=0
while read -r id; do
  if [ $((n++)) = 5 ] && [ "${STALL:-0}" = 1 ] &&
    { [ "$restarts" = 0 ] || [ "$SLURM_ARRAY_TASK_ID:$restarts" = 3:1 ]; }; then
    sleep 600
  fi
  echo "$id" >> "out.arr.$SLURM_ARRAY_TASK_ID"
  sleep 0.1
  echo "DONE $id" >&3
done
JOB
chmod +x process.sh
for task in 0 1 2 3; do "$CKWRAP" pending --shard "$task/4" < ids.txt | sort > "shard.$task"; done
warn() { # TASK-ID DIR DONE: once DIR holds DONE ids, the time-limit warning
  wait_until 60 done_at_least "$2" "$3"
  wait_until 30 state_is "$1" RUNNING
  # While other tasks of the array are pending, scancel delivers the signal
  # but is answered "Job can not be altered now" and retries for 95 s (seen
  # with Slurm 22.05): cut short; the caller checks that the task was warned
  # by what ckwrap did (a requeue, or the cap said).
  timeout 5 scancel --signal=USR1 --batch "$1" 2> /dev/null || true
}
# Two tasks run at a time on the node's 2 CPUs; the others start as the
# warned ones are requeued.
job=$(STALL=1 submit arr --time=10)
for task in 0 1 2 3; do
  warn "${job}_$task" "ck/arr.$task" 5
  wait_until 60 restarts_are "${job}_$task" 1
done
warn "${job}_3" ck/arr.3 10
for task in 0 1 2 3; do
  wait_until 120 ended "${job}_$task"
  assert_eq 1 "$(field "${job}_$task" Restarts)" "slurm: array task $task requeued once"
done
for task in 0 1 2; do
  assert_eq COMPLETED "$(field "${job}_$task" JobState)" "slurm: array task $task finishes its shard"
  assert_eq "$(wc -l < "shard.$task")" "$(sort -u "out.arr.$task" | wc -l)" "slurm: task $task did its shard"
  cmp -s "shard.$task" <(sort -u "out.arr.$task") || fail "slurm: task $task did ids of another shard"
  [ "$(redone "arr.$task")" -le 1 ] || fail "slurm: task $task redid $(redone "arr.$task") ids after one stop"
done
assert_eq FAILED "$(field "${job}_3" JobState)" "slurm: task 3 ends past the cap"
assert_eq 75:0 "$(field "${job}_3" ExitCode)" "slurm: task 3 exits 75"
assert_contains slurm-arr.out "requeueing job ${job}_0 (requeue 1 of at most 1)" "slurm: array task id"
assert_contains slurm-arr.out "not requeued: job ${job}_3 was requeued 1 times, --max-requeues is 1" \
  "slurm: the cap is said"

# One view of the array: three complete, one stopped, the total the sum.
status_over_array() { # EXPECTED-STOPPED
  "$CKWRAP" status ck/arr.* > arr-status.txt
  cat arr-status.txt
  "$CKWRAP" status ck/arr.* --json > arr-status.json
  python3 - arr-status.json "$1" "$(wc -l < shard.3)" <<'PY' || fail "slurm: ckwrap status over the array (above)"
import json, sys
view, stopped, shard3 = json.load(open(sys.argv[1])), int(sys.argv[2]), int(sys.argv[3])
jobs, total = view["jobs"], view["total"]
assert [j["dir"] for j in jobs] == ["ck/arr.%d" % k for k in range(4)], jobs
assert all(j["state"] == "complete" for j in jobs[:3]), jobs
assert jobs[3]["state"] == ("stopped" if stopped else "complete"), jobs[3]
assert (jobs[3]["done"] < shard3) == bool(stopped), (jobs[3], shard3)
assert total["shards"] == 4 and total["running"] == 0, total
assert total["stopped"] == stopped and total["complete"] == 4 - stopped, total
assert total["done"] == sum(j["done"] for j in jobs), total
PY
}
status_over_array 1
assert_contains arr-status.txt "total	shards=4	running=0	stopped=1	complete=3	stuck=0" "slurm: status total"
# Task 3 resubmitted alone: its SLURM_ARRAY_TASK_COUNT is 1, its shard still 3 of 4.
job=$(submit arr --time=10 --array=3)
wait_until 120 ended "${job}_3"
assert_eq COMPLETED "$(field "${job}_3" JobState)" "slurm: task 3 resubmitted finishes its shard"
cmp -s shard.3 <(sort -u out.arr.3) || fail "slurm: task 3 resubmitted did ids of another shard"
[ "$(redone arr.3)" -le 2 ] || fail "slurm: task 3 redid $(redone arr.3) ids after two stops"
status_over_array 0
assert_eq 160 "$(cat out.arr.* | sort -u | wc -l)" "slurm: the four shards did every id"
echo "array: $(for t in 0 1 2 3; do printf 'task %s: shard %s ids, redone %s, allocations %s; ' \
  "$t" "$(wc -l < "shard.$t")" "$(redone "arr.$t")" "$(wc -l < "allocations.arr.$t")"; done)"
pass "slurm: three allocations by ckwrap's requeue, an outside requeue, a preemption, an array" \
  "of 4 shards each requeued and resumed, the cap, status over the array"
