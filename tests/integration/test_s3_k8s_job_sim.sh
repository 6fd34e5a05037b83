#!/usr/bin/env bash
# The README's Kubernetes Job without a volume (examples/recipes/k8s-job-s3.yaml,
# as printed but for its bucket) under kube_job_sim.py, against a real
# S3-compatible server: Ceph 16's gateway on one node (s3_lib.sh; skipped, 77,
# when the machine cannot run it). The state directory is on an emptyDir,
# made empty for each pod and removed with it (a new pod is a new node), so
# every pod after an index's first restores its progress from the bucket
# (one prefix per index); the credentials come from the Secret import-s3, as
# `kubectl create secret generic import-s3 --from-env-file=s3.env` makes it
# from the gateway's env file. Each index is evicted once and its node
# crashes once (kill -9 of the pod's PID 1). Time runs ten times faster: the
# 5 s replicate interval is 500 ms, the 60 s grace period 6 s.
#  1. The Job completes; evictions are not counted, crashes are; every item
#     of each shard is done.
#  2. An eviction loses nothing: the next pod resumes at the position the
#     evicted pod had committed (its final uploads). A crash loses at most
#     the commits of the last replicate interval, plus one upload's time:
#     the lost items' span of time is measured and printed. Items redone are
#     those lost plus at most the one in flight at each disruption.
#  3. The Job run again (deleted and created anew) finds its indexes
#     complete in the bucket and redoes nothing.
TESTS_DIR=$(cd "${TESTS_DIR:-$(dirname "$0")}" && pwd)
RECIPE=$(cd "$TESTS_DIR/../../examples/recipes" && pwd)/k8s-job-s3.yaml
SIM=$TESTS_DIR/kube_job_sim.py
# shellcheck source=lib.sh
. "$TESTS_DIR/lib.sh"
pid1_supported || { echo "SKIP: unshare --pid is not permitted here (the pods' PID namespaces)"; exit 77; }
# shellcheck source=s3_lib.sh
. "$TESTS_DIR/s3_lib.sh"

# The recipe names its bucket BUCKET: the test's own is put in its place,
# and nothing else changes.
sed "s|s3://BUCKET/|s3://$bucket/|" "$RECIPE" > recipe.yaml
sed "s|s3://$bucket/|s3://BUCKET/|" recipe.yaml | cmp -s "$RECIPE" - || fail "the copy differs by more than the bucket"
# The Secret from the gateway's env file (kubectl's --from-env-file takes
# KEY=VALUE lines, without `export`).
sed 's/^export //' "$run/env" > s3.env

mkdir app out
cat > app/shard.sh <<'JOB'
#!/bin/bash
# Items 0..79 of its shard, a CKPT after each. Each start and each item (with
# its time in ns) go to $OUT/out.INDEX, outside the pod: the job's output.
start=0
[ "${1:-}" = --resume-from ] && start=$2
out=$OUT/out.$JOB_COMPLETION_INDEX
echo "start $start" >> "$out"
for ((i = start; i < 80; i++)); do
  echo "$i $(date +%s%N)" >> "$out"
  sleep 0.02
  echo "CKPT $((i + 1))" >&3
done
JOB
chmod +x app/shard.sh

job() { # ROOT DISRUPT...: the Job under the simulation, its pods in ROOT.jsonl
  local root=$1
  shift
  rc=0
  python3 "$SIM" recipe.yaml --ckwrap "$CKWRAP" --root "$root" --app app \
    --secret import-s3=s3.env --extra-env "OUT=$PWD/out" "$@" > "$root.jsonl" 2> "$root.err" || rc=$?
  [ "$rc" = 0 ] || { cat "$root.jsonl" "$root.err" >&2; cat "$root"/pod-*.log >&2; fail "the Job did not complete ($rc)"; }
}
pods() { # FILE INDEX: "disruption:exit:action" of each pod of INDEX
  python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("index") == int(sys.argv[2]):
        print("%s:%s:%s" % (r["disruption"], r["exit"], r["action"]), end=" ")' "$1" "$2"
}

# ---- 1. Evictions and a node crash per index; every pod on an empty disk. ----
job k1 --disrupt 0:evict@15,crash@40 --disrupt 1:crash@20,evict@50
assert_eq "evict:75:Ignore crash:137:Count None:0:Succeeded " "$(pods k1.jsonl 0)" \
  "index 0: the eviction ignored, the crash counted, then done"
assert_eq "crash:137:Count evict:75:Ignore None:0:Succeeded " "$(pods k1.jsonl 1)" \
  "index 1: the crash counted, the eviction ignored, then done"
assert_contains <(tail -n 1 k1.jsonl) '"job": "Complete"' "Job complete"
assert_contains <(tail -n 1 k1.jsonl) '"counted_failures": 2' "the crashes count, the evictions do not"
grep -q '"killed_after_grace": true' k1.jsonl && fail "a pod needed the kubelet's KILL"
[ -z "$(ls -A k1/emptydir 2> /dev/null)" ] || fail "a pod's emptyDir outlived it: $(ls k1/emptydir)"
for index in 0 1; do
  prefix="s3://$bucket/import/shard-$index/"
  assert_contains k1/pod-$index-1.log "the replica $prefix holds no checkpoint: a fresh start" \
    "index $index: its first pod starts afresh"
  for pod in 2 3; do
    assert_contains k1/pod-$index-$pod.log "restored from the replica: ${prefix}checkpoint." \
      "index $index: pod $pod restores from its own prefix"
  done
done

# ---- 2. What each disruption lost, from the pods' positions and the items' times. ----
python3 - k1.jsonl out 500 <<'PY' || fail "what the disruptions lost (above)"
import json, sys
pods = [json.loads(l) for l in open(sys.argv[1]) if '"pod"' in l]
interval_ms = int(sys.argv[3])
for index in (0, 1):
    mine = sorted((p for p in pods if p["index"] == index), key=lambda p: p["pod"])
    runs = []  # one per pod: its start and its items [(item, ns)]
    for line in open(f"{sys.argv[2]}/out.{index}"):
        a, b = line.split()
        if a == "start":
            runs.append((int(b), []))
        else:
            runs[-1][1].append((int(a), int(b)))
    assert len(runs) == len(mine), (index, len(runs), len(mine))
    items = [i for _, done in runs for i, _ in done]
    assert sorted(set(items)) == list(range(80)), f"index {index}: not every item"
    lost_total = 0
    for before, after, (_, done) in zip(mine, runs[1:], runs):
        at_end, resumed = before["position_at_end"], after[0]
        lost = at_end - resumed
        lost_total += lost
        if before["disruption"] == "evict":
            assert lost == 0, f"index {index}: an eviction lost {lost} commits ({at_end} -> {resumed})"
            print(f"index {index} evicted at {at_end}: resumed from the bucket at {resumed}, nothing lost")
            continue
        assert lost >= 0, (index, at_end, resumed)
        times = dict(done)
        span_ms = (done[-1][1] - times[resumed]) / 1e6 if lost else 0
        print(f"index {index} crashed at {at_end}: resumed from the bucket at {resumed}, "
              f"{lost} commits lost = {span_ms:.0f} ms of work (interval {interval_ms} ms)")
        # The last upload began at most one interval before the crash; what it
        # took to finish (one PUT) and the item in flight come on top.
        assert span_ms <= interval_ms + 500, f"index {index}: lost {span_ms:.0f} ms of commits"
    redone = len(items) - 80
    print(f"index {index}: {len(mine)} pods, items redone {redone}, commits lost {lost_total}")
    assert redone <= lost_total + len(mine) - 1, f"index {index}: {redone} items redone"
PY

# ---- 3. The Job created anew: complete in the bucket, nothing redone. ----
before=$(cat out/out.0 out/out.1 | wc -l)
job k2
for index in 0 1; do
  assert_eq "None:0:Succeeded " "$(pods k2.jsonl $index)" "index $index: one pod, done at once"
  assert_contains k2/pod-$index-1.log "restored from the replica: s3://$bucket/import/shard-$index/" \
    "index $index: the completed checkpoint comes from the bucket"
done
assert_eq "$before" "$(cat out/out.0 out/out.1 | wc -l)" "the Job created anew redoes nothing"
pass "kubernetes Job without a volume (simulated) against the gateway: each new pod restores its index from the bucket; an eviction loses nothing, a crash at most the last interval"
