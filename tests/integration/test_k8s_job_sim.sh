#!/usr/bin/env bash
# The README's Kubernetes Job (examples/recipes/k8s-job.yaml, as printed)
# under kube_job_sim.py, which plays the Job controller and the kubelet: each
# pod's command is PID 1 of its own PID namespace; an eviction is TERM to PID 1
# only, then KILL after terminationGracePeriodSeconds; podFailurePolicy and
# backoffLimitPerIndex decide; the next pod runs on the same volume. Time runs
# ten times faster (a 30 s grace period is 3 s, CKWRAP_GRACE 20s is 2 s).
TESTS_DIR=${TESTS_DIR:-$(dirname "$0")}
RECIPE=$(cd "$TESTS_DIR/../../examples/recipes" && pwd)/k8s-job.yaml
SIM=$(cd "$TESTS_DIR" && pwd)/kube_job_sim.py
# shellcheck source=lib.sh
. "$TESTS_DIR/lib.sh"
pid1_supported || { echo "SKIP: unshare --pid is not permitted here (the pods' PID namespaces)"; exit 77; }

mkdir app
cat > app/shard.sh <<'JOB'
#!/bin/bash
# Items 0..59 of its shard, a CKPT after each. Shard 1 ignores TERM: ckwrap's
# grace must end it before the kubelet's KILL.
start=0
[ "${1:-}" = --resume-from ] && start=$2
out=$(dirname "$CKWRAP_STATE_DIR")/out.$JOB_COMPLETION_INDEX
[ "$JOB_COMPLETION_INDEX" = 1 ] && trap '' TERM
for ((i = start; i < 60; i++)); do
  echo "$i" >> "$out"
  sleep 0.02
  echo "CKPT $((i + 1))" >&3
done
JOB
chmod +x app/shard.sh

# pods FILE INDEX: "disruption:exit:action" of each pod of INDEX.
pods() {
  python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("index") == int(sys.argv[2]):
        print("%s:%s:%s" % (r["disruption"], r["exit"], r["action"]), end=" ")' "$1" "$2"
}
status_of() { tail -n 1 "$1"; }

# ---- 1. The recipe as printed: evictions and a node crash, then complete. ----
rc=0
python3 "$SIM" "$RECIPE" --ckwrap "$CKWRAP" --root k1 --app app \
  --disrupt 0:evict@10,crash@30 --disrupt 1:evict@20 > k1.jsonl 2> k1.err || rc=$?
[ "$rc" = 0 ] || { cat k1.jsonl k1.err >&2; cat k1/pod-*.log >&2; fail "the Job did not complete ($rc)"; }
assert_eq "evict:75:Ignore crash:137:Count None:0:Succeeded " "$(pods k1.jsonl 0)" \
  "index 0: eviction ignored, the crash counted, then done"
assert_eq "evict:75:Ignore None:0:Succeeded " "$(pods k1.jsonl 1)" \
  "index 1 (ignores TERM): ckwrap's grace ends it before the kubelet's KILL"
grep -q '"killed_after_grace": true' k1.jsonl && fail "a pod needed the kubelet's KILL"
assert_contains <(status_of k1.jsonl) '"job": "Complete"' "Job complete"
assert_contains <(status_of k1.jsonl) '"counted_failures": 1' "only the crash counts"
for index in 0 1; do
  assert_eq 60 "$(sort -nu "k1/volumes/state/out.$index" | wc -l)" "shard $index: every item"
  redone=$(($(wc -l < "k1/volumes/state/out.$index") - 60))
  [ "$redone" -le 3 ] || fail "shard $index: $redone items redone"
  echo "shard $index: pods $(pods k1.jsonl $index); items redone $redone"
done
if ! [ -d k1/volumes/state/shard-0 ] || ! [ -d k1/volumes/state/shard-1 ]; then
  fail "one state directory per index: $(ls k1/volumes/state)"
fi
python3 - k1.jsonl <<'PY' || fail "termination messages"
import json, sys
pods = [json.loads(l) for l in open(sys.argv[1]) if '"pod"' in l]
for p in pods:
    if p["exit"] == 137:  # killed: nothing written, as in a real crash
        continue
    assert 0 < p["message_bytes"] <= 4096, p
    if p["exit"] == 0:
        assert p["message"].startswith("job succeeded at position 60"), p
    if p["exit"] == 75:
        assert "stopped" in p["message"], p
print("termination messages:", sorted({p["message"].strip()[:60] for p in pods}))
PY

# ---- 2. The API's rules: the last round's recipe is refused. ----
sed 's/restartPolicy: Never/restartPolicy: OnFailure/' "$RECIPE" > onfailure.yaml
rc=0
python3 "$SIM" onfailure.yaml --ckwrap "$CKWRAP" --root k2 --app app > k2.jsonl 2>&1 || rc=$?
assert_eq 2 "$rc" "podFailurePolicy with restartPolicy OnFailure is refused"
assert_contains k2.jsonl "only Never is supported" "the API's message"
# Without its own JOB_COMPLETION_INDEX entry, $(JOB_COMPLETION_INDEX) in
# CKWRAP_STATE_DIR is not expanded: every index would share one directory.
python3 - "$RECIPE" > noindex.yaml <<'PY'
import sys, yaml
m = yaml.safe_load(open(sys.argv[1]))
c = m["spec"]["template"]["spec"]["containers"][0]
c["env"] = [e for e in c["env"] if e["name"] != "JOB_COMPLETION_INDEX"]
yaml.safe_dump(m, sys.stdout)
PY
python3 "$SIM" noindex.yaml --ckwrap "$CKWRAP" --root k3 --app app > k3.jsonl 2>&1 || true
# shellcheck disable=SC2016 # the name is literal: that is the point
[ -d 'k3/volumes/state/shard-$(JOB_COMPLETION_INDEX)' ] ||
  fail "the simulation expands env as the kubelet does: $(ls k3/volumes/state)"

# The no-volume recipe's Secret: missing, the pod cannot start
# (CreateContainerConfigError); an env file kubectl would refuse is refused.
S3_RECIPE=$(dirname "$RECIPE")/k8s-job-s3.yaml
rc=0
python3 "$SIM" "$S3_RECIPE" --ckwrap "$CKWRAP" --root k5 --app app > k5.jsonl 2>&1 || rc=$?
assert_eq 2 "$rc" "a pod whose Secret is missing is refused"
assert_contains k5.jsonl 'secret \"import-s3\" not found' "the kubelet's reason"
[ ! -e k5/pod-0-1.log ] || fail "a pod ran without its Secret"
printf 'export AWS_ACCESS_KEY_ID=x\n' > exported.env
rc=0
python3 "$SIM" "$S3_RECIPE" --ckwrap "$CKWRAP" --root k6 --app app --secret import-s3=exported.env \
  > k6.jsonl 2>&1 || rc=$?
assert_eq 2 "$rc" "an env file with export lines is refused, as kubectl --from-env-file does"
assert_contains k6.jsonl "exported.env:1: not KEY=VALUE" "names the file and the line"

# ---- 3. A poison shard: 76 fails its index at once, the other completes. ----
cat > app/shard.sh <<'JOB'
#!/bin/bash
out=$(dirname "$CKWRAP_STATE_DIR")/out.$JOB_COMPLETION_INDEX
[ "$JOB_COMPLETION_INDEX" = 1 ] && { echo "CKPT 1" >&3; kill -9 $$; }
for ((i = 0; i < 5; i++)); do echo "$i" >> "$out"; echo "CKPT $((i + 1))" >&3; done
JOB
rc=0
python3 "$SIM" "$RECIPE" --ckwrap "$CKWRAP" --root k4 --app app --extra-env CKWRAP_BACKOFF=0 \
  > k4.jsonl 2>&1 || rc=$?
assert_eq 1 "$rc" "a poison shard fails the Job"
assert_eq "None:76:FailIndex " "$(pods k4.jsonl 1)" "index 1: one pod, 76, FailIndex"
assert_eq "None:0:Succeeded " "$(pods k4.jsonl 0)" "index 0 completes"
assert_contains <(status_of k4.jsonl) '"reason": "FailedIndexes"' "the Job failed by its index"

# ---- 4. A termination message stays under the kubelet's 4096 bytes. ----
printf '#!/bin/sh\nprintf "CKPT %%06000d\\n" 7 >&3\n' > long.sh
chmod +x long.sh
run_ckwrap --state-dir long --termination-log message -- ./long.sh
assert_eq 0 "$rc" "a long position"
bytes=$(wc -c < message)
if [ "$bytes" -gt 4096 ] || [ "$bytes" -le 4000 ]; then fail "termination message of $bytes bytes"; fi
assert_contains message " [...] " "a long message keeps its start and its end"
assert_contains message "after 1 attempts" "the end kept"
echo "termination message for a 6000-byte position: $bytes bytes"
pass "kubernetes Job (simulated): evictions resume uncounted, a crash counts once, 76 fails its index"
