#!/usr/bin/env bash
# The README's Slurm array on node-local scratch (examples/recipes/slurm-array-s3.sbatch,
# as printed but for its bucket) under a real one-node Slurm 22.05
# (scripts/engines/slurm-up) and a real S3-compatible server, Ceph 16's
# gateway on one node (s3_lib.sh). Skipped (77) when the machine cannot run
# either. Two tasks of the array (--array=0-1), each warned once with USR1 as
# --signal=B:USR1@90 does (`scancel --signal=USR1 --batch`) while its first
# allocation is mid-shard: ckwrap stops the job, has Slurm requeue the task
# and exits 75, and the task starts again on the node.
# Another node is what the next start sees: the recipe empties its scratch
# state directory ($TMPDIR/ckwrap.$SLURM_JOB_ID; here TMPDIR is this test's
# scratch/, exported to the job by sbatch) before ckwrap starts, so each
# allocation finds no local checkpoint, as on a node it never ran on, and the
# previous allocation's copy, still on this node's disk during the requeue,
# is never what it resumes from. The test checks that each task's second
# allocation restored its shard from its own prefix of the bucket, at the
# position its first one stopped at, and that the two tasks did each id of
# their shards exactly once. The credentials come from a file in $HOME that
# the recipe sources (the gateway's env file, mode 600).
TESTS_DIR=$(cd "${TESTS_DIR:-$(dirname "$0")}" && pwd)
RECIPE=$(cd "$TESTS_DIR/../../examples/recipes" && pwd)/slurm-array-s3.sbatch
# shellcheck source=lib.sh
. "$TESTS_DIR/lib.sh"
# shellcheck source=s3_lib.sh
. "$TESTS_DIR/s3_lib.sh"
after_slurm=finish # s3_lib.sh's: the gateway as it was, then the scratch directory
# shellcheck source=slurm_lib.sh
. "$TESTS_DIR/slurm_lib.sh"

mkdir bin scratch .config .config/import
ln -s "$CKWRAP" bin/ckwrap
# What the batch script sees (sbatch exports this environment): ckwrap on
# PATH, a HOME of its own, the node's scratch; the credentials in a file.
export PATH=$PWD/bin:$PATH HOME=$PWD TMPDIR=$PWD/scratch
install -m 600 "$run/env" .config/import/s3.env
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_ENDPOINT_URL AWS_REGION
# The recipe names its bucket BUCKET: the test's own is put in its place.
sed "s|s3://BUCKET/|s3://$bucket/|" "$RECIPE" > recipe.sbatch
sed "s|s3://$bucket/|s3://BUCKET/|" recipe.sbatch | cmp -s "$RECIPE" - || fail "the copy differs by more than the bucket"

seq -f 'id-%.0f' 1 80 > ids.txt
cat > process.sh << 'JOB'
#!/bin/bash
# One id a line on standard input, 0.05 s each, a DONE after each. The first
# allocation of each task outlasts its time limit: after 5 ids it waits for
# the warning.
restarts=${SLURM_RESTART_COUNT:-0}
n=0
while read -r id; do
  [ $((n++)) = 5 ] && [ "$restarts" = 0 ] && sleep 600
  echo "$id" >> "out.$SLURM_ARRAY_TASK_ID"
  sleep 0.05
  echo "DONE $id" >&3
done
JOB
chmod +x process.sh

job=$(sbatch --parsable --array=0-1 --time=10 --job-name=arr --chdir="$PWD" \
  --output="$PWD/slurm-%a.out" recipe.sbatch) || fail "sbatch"
job=${job%%;*}
jobs_submitted=$job
for task in 0 1; do
  wait_until 60 state_is "${job}_$task" RUNNING
  id=$(field "${job}_$task" JobId)
  # The task's scratch on the node, looked at as an admin there could.
  wait_until 60 done_at_least "scratch/ckwrap.$id" 5
  # While the other task is pending, scancel may be answered "Job can not be
  # altered now" and retry for 95 s after delivering the signal: cut short,
  # the requeue below shows the warning arrived.
  timeout 5 scancel --signal=USR1 --batch "${job}_$task" 2> /dev/null || true
  wait_until 60 restarts_are "${job}_$task" 1
done
for task in 0 1; do
  wait_until 120 ended "${job}_$task"
  out=slurm-$task.out
  assert_eq COMPLETED "$(field "${job}_$task" JobState)" "task $task finishes its shard (log: $(cat "$out"))"
  assert_eq 1 "$(field "${job}_$task" Restarts)" "task $task requeued once"
  assert_contains "$out" "requeueing job ${job}_$task (requeue 1 of at most 3)" "task $task: ckwrap's requeue"
  prefix="s3://$bucket/import/$task/"
  assert_contains "$out" "the replica $prefix holds no checkpoint: a fresh start" "task $task: first allocation"
  assert_contains "$out" "restored from the replica: ${prefix}checkpoint." "task $task: restored from its prefix"
  restored=$(sed -n 's/.*restored from the replica: .*: \([0-9]*\) done ids, .*/\1/p' "$out")
  assert_eq 5 "$restored" "task $task: the restore brings the 5 ids the first allocation did"
  "$CKWRAP" pending --shard "$task/4" < ids.txt | sort > "shard.$task"
  sort "out.$task" | cmp -s "shard.$task" - || fail "task $task: not its shard, each id once: $(sort "out.$task" | uniq -c | tr '\n' ' ')"
  echo "task $task: $(wc -l < "shard.$task") ids of its shard, each once; second allocation: $(grep 'restored from' "$out")"
done
pass "slurm array on node-local scratch: each requeued task restored its shard from the bucket and did each id once"
