#!/usr/bin/env bash
# --replicate against a real S3-compatible server, Ceph 16's gateway on one
# node (scripts/engines/ceph-up; skipped, 77, when the machine cannot run it):
#  1. The gateway stopped mid-run: the job goes on and finishes while it is
#     down, `ckwrap status` shows the bytes the bucket lacks and the error,
#     and once the gateway is back the uploads catch up before ckwrap exits
#     0, with nothing pending.
#  2. --replicate-max-pending: with the gateway down, reading the job pauses
#     once that much waits (the job is held, not its records lost), and
#     resumes when the gateway returns; the job then completes.
#  3. A stop while held back with the gateway down: reading resumes, every
#     record the job sent is committed locally, and after
#     --replicate-final-wait ckwrap exits 75 saying what the bucket lacks.
#  4. kill -9 of ckwrap and the job, and the state directory deleted (a new
#     node): the rerun restores from the bucket and loses nothing that was
#     committed and uploaded before the kill.
#  5. Two supervisors on one prefix: the second (another node, an empty
#     state directory) restores and publishes a newer snapshot; the first,
#     now stale, is fenced at its next upload: it exits 125 naming the other
#     writer and uploads nothing more, and the second completes.
#  6. A gateway that hangs (SIGSTOP: connections open, no answer): the run's
#     end waits --replicate-final-wait and no longer; the request in
#     progress is abandoned rather than waited for.
TESTS_DIR=${TESTS_DIR:-$(dirname "$0")}
# shellcheck source=lib.sh
. "$TESTS_DIR/lib.sh"
# shellcheck source=s3_lib.sh
. "$TESTS_DIR/s3_lib.sh"

# job.sh N SLEEP [PAD]: ids id-1PAD..id-NPAD not yet done (CKWRAP_DONE_FILE),
# each appended to out.txt, then DONE; job.finished at the end. A long PAD
# makes the records outgrow the protocol pipe (1 MiB), so that a job whose
# records are not read blocks. With GO set, the job waits after id GO_AT (1)
# until the file $GO exists (a scenario stops the gateway meanwhile). With
# PACE set, it sleeps between ids only while the file $PACE exists.
cat >job.sh <<'JOB'
#!/bin/bash
declare -A done_ids
if [ -n "${CKWRAP_DONE_FILE:-}" ] && [ -f "$CKWRAP_DONE_FILE" ]; then
  while read -r id; do done_ids[$id]=1; done <"$CKWRAP_DONE_FILE"
fi
for i in $(seq 1 "$1"); do
  id=id-$i${3:-}
  [ -n "${done_ids[$id]:-}" ] && continue
  echo "$id" >>out.txt
  echo "DONE $id" >&3
  if [ "$i" = "${GO_AT:-1}" ] && [ -n "${GO:-}" ]; then until [ -e "$GO" ]; do sleep 0.01; done; fi
  if [ "$2" != 0 ] && { [ -z "${PACE:-}" ] || [ -e "$PACE" ]; }; then sleep "$2"; fi
done
touch job.finished
JOB
chmod +x job.sh

json_field() { # DIR EXPR: a value of `ckwrap status --json DIR`
  "$CKWRAP" status --json "$1" 2>/dev/null | python3 -c "import json,sys; d=json.load(sys.stdin); print($2)"
}
uploaded() { [ "$(json_field "$1" "(d['replica'] or {}).get('uploaded_generation', 0)")" -gt 0 ]; }
upload_failing() { [ "$(json_field "$1" "(d['replica'] or {}).get('error') is not None")" = True ]; }
done_count() { json_field "$1" "d['done']"; }

# 1. The gateway stopped mid-run.
mkdir one && cd one
start_ckwrap --state-dir st --replicate "s3://$bucket/one" --replicate-interval 200ms \
  -- ../job.sh 150 0.02
wait_or_fail 20 "the first snapshot is uploaded" uploaded st
gateway_stop
stopped_at=$(done_count st)
wait_or_fail 30 "the job finishes with the gateway down" test -e job.finished
gone "$waited" && { cat ckwrap.err >&2; fail "ckwrap exited before the last uploads"; }
wait_or_fail 20 "ckwrap sees the uploads fail" upload_failing st
pending=$(json_field st "d['replica']['pending_bytes']")
[ "$pending" -gt 0 ] || fail "status shows nothing pending with the gateway down"
"$CKWRAP" status st >status.txt
assert_contains status.txt "replica error: " "status names the upload error"
gateway_start
wait_ckwrap 30
assert_eq 0 "$rc" "exit status after the gateway came back (stderr: $(cat ckwrap.err))"
assert_contains ckwrap.err "replica not updated (retrying; the local checkpoint is intact)" \
  "the failure is said"
assert_contains ckwrap.err "reachable again; uploads resumed" "the recovery is said"
assert_eq 0 "$(json_field st "d['replica']['pending_bytes']")" "bytes pending at the end"
assert_eq None "$(json_field st "d['replica']['error']")" "the last upload's error at the end"
assert_eq 150 "$(done_count st)" "ids done"
generation=$(json_field st "d['replica']['uploaded_generation']")
newest=$(find st -name 'checkpoint.*' -printf '%f\n' | sort | tail -1)
assert_eq "checkpoint.$(printf '%020d' "$generation")" "$newest" \
  "the bucket holds the newest local snapshot"
pass "gateway stopped at $stopped_at of 150 ids, $pending bytes pending while down; the job finished meanwhile and the uploads caught up"
cd ..

# 2. --replicate-max-pending holds back reading while the gateway is down.
mkdir two && cd two
pad=$(printf '%0100d' 0)
GO=go start_ckwrap --state-dir st --replicate "s3://$bucket/two" --replicate-max-pending 65536 \
  -- ../job.sh 12000 0 "$pad"
wait_or_fail 20 "the first snapshot is uploaded" uploaded st
gateway_stop
touch go
# Held: the count stops growing short of the end (the pipe fills, the job
# blocks in its write), polled until two reads a second apart agree.
held() {
  local a b
  a=$(done_count st)
  sleep 1
  b=$(done_count st)
  [ "$a" = "$b" ] && [ "$b" -lt "$1" ]
}
wait_or_fail 30 "reading pauses past --replicate-max-pending" held 12000
held_at=$(done_count st)
[ -e job.finished ] && fail "the job finished though reading was held back"
gateway_start
wait_ckwrap 60
assert_eq 0 "$rc" "exit status once the gateway is back (stderr: $(cat ckwrap.err))"
assert_eq 12000 "$(done_count st)" "ids done"
assert_eq 12000 "$(sort -u out.txt | wc -l)" "distinct ids written"
assert_eq 0 "$(json_field st "d['replica']['pending_bytes']")" "bytes pending at the end"
pass "held back at $held_at of 12000 ids with the gateway down; all 12000 done and uploaded once it returned"
cd ..

# 3. A stop while held back, the gateway down.
mkdir three && cd three
GO=go start_ckwrap --state-dir st --replicate "s3://$bucket/three" --replicate-max-pending 65536 \
  --replicate-final-wait 2s -- ../job.sh 20000 0 "$pad"
wait_or_fail 20 "the first snapshot is uploaded" uploaded st
gateway_stop
touch go
wait_or_fail 30 "reading pauses past --replicate-max-pending" held 20000
kill -TERM "$supervisor"
wait_ckwrap 20
assert_eq 75 "$rc" "exit status of a stop with the gateway down (stderr: $(cat ckwrap.err))"
assert_contains ckwrap.err "lacks the last" "what the bucket lacks is said"
sent=$(lines out.txt)
committed=$(done_count st)
[ "$committed" -ge $((sent - 1)) ] && [ "$committed" -le "$sent" ] ||
  fail "$committed ids committed locally of the $sent the job wrote (at most the one it was killed on may be missing)"
pending=$(json_field st "d['replica']['pending_bytes']")
[ "$pending" -gt 0 ] || fail "status shows nothing pending after the stop"
gateway_start
pass "stopped while held back: $committed of $sent ids committed locally, $pending bytes left for the next run to upload, exit 75"
cd ..

# 4. kill -9 of ckwrap and the job, then a new node. The job pauses after
# id 40 until the bucket holds everything committed (pending 0), so that
# what "committed and uploaded" means is known when the kill comes.
mkdir four && cd four
touch pace
GO=go GO_AT=40 PACE=pace start_ckwrap --state-dir node1 --replicate "s3://$bucket/four" \
  --replicate-interval 200ms -- ../job.sh 300 0.02
settled() {
  [ "$(json_field node1 "d['done'] if d['replica'] and d['replica']['pending_bytes'] == 0 else -1")" = 40 ]
}
wait_or_fail 30 "40 ids done and uploaded" settled
uploaded_ids=40
kill -9 "$supervisor"
pkill -9 -f "job.sh 300" || true
wait "$waited" 2>/dev/null || true
killed_at=$(lines out.txt)
rm -rf node1 pace
touch go
GO=go GO_AT=40 PACE=pace run_ckwrap --state-dir node2 --replicate "s3://$bucket/four" \
  -- ../job.sh 300 0.02
assert_eq 0 "$rc" "the rerun on a new node (stderr: $(cat ckwrap.err))"
assert_contains ckwrap.err "restored from the replica" "the rerun says where it resumed from"
restored=$(sed -n 's/.*: \([0-9]*\) done ids.*/\1/p' ckwrap.err | head -1)
[ -n "$restored" ] && [ "$restored" -ge "$uploaded_ids" ] ||
  fail "restored ${restored:-no} ids; $uploaded_ids were committed and uploaded before the kill"
assert_eq 300 "$(sort -u out.txt | wc -l)" "every id done"
redone=$(($(lines out.txt) - 300))
# Pruned: the newest snapshot and one to fall back to, and only their pieces.
"$S3_PROBE" list "$bucket" four/ >keys.txt
snapshots=$(grep -c '/checkpoint\.' keys.txt || true)
assert_eq 2 "$snapshots" "snapshots left in the bucket after two runs (keys: $(tr '\n' ' ' <keys.txt))"
kept=$(sed -n 's|.*/checkpoint\.||p' keys.txt | tr '\n' '|')
if grep '/journal\.' keys.txt | grep -vE "/journal\.(${kept%|})\." >/dev/null; then
  fail "journal pieces of a pruned generation are left: $(tr '\n' ' ' <keys.txt)"
fi
pass "kill -9 at $killed_at ids written ($uploaded_ids known uploaded), local state deleted: restored $restored ids from the bucket, $redone redone, all 300 done; $(wc -l <keys.txt) objects left, of 2 generations"
cd ..

# 5. Two supervisors on one prefix.
mkdir -p five/a five/b && cd five
cd a
start_ckwrap --state-dir st --replicate "s3://$bucket/five" --replicate-interval 200ms \
  -- ../../job.sh 250 0.02
first=$waited
cd ..
wait_or_fail 30 "the first supervisor uploads" uploaded a/st
cd b
start_ckwrap --state-dir st --replicate "s3://$bucket/five" --replicate-interval 200ms \
  -- ../../job.sh 250 0.02
cd ..
wait_or_fail 30 "the stale supervisor is fenced" gone "$first"
rc=0
wait "$first" || rc=$?
assert_eq 125 "$rc" "the stale supervisor's exit status (stderr: $(cat a/ckwrap.err))"
assert_contains a/ckwrap.err "another ckwrap writes s3://$bucket/five/" "the stale one names the prefix"
assert_eq True "$(json_field a/st "d['replica']['fenced']")" "status of the stale one: fenced"
cd b
wait_ckwrap 60
assert_eq 0 "$rc" "the second supervisor completes (stderr: $(cat ckwrap.err))"
assert_contains ckwrap.err "restored from the replica" "the second one resumed from the bucket"
assert_eq 250 "$(done_count st)" "ids done in the second one's checkpoint"
assert_eq 250 "$(sort -u ../a/out.txt out.txt | wc -l)" "every id done by one or the other"
pass "two supervisors on one prefix: the stale one exited 125 ($(grep -o 'another ckwrap writes [^ ]*' ../a/ckwrap.err | head -1)), the other completed"
cd ../..

# 6. A gateway that hangs.
mkdir six && cd six
GO=go start_ckwrap --state-dir st --replicate "s3://$bucket/six" --replicate-final-wait 1s \
  -- ../job.sh 50 0
wait_or_fail 20 "the first snapshot is uploaded" uploaded st
rgw=$(cat "$run/run/client.rgw.a.pid")
kill -STOP "$rgw"
touch go
wait_or_fail 20 "the job finishes" test -e job.finished
finished_ms=$(now_ms)
wait_ckwrap 20
took_ms=$(($(now_ms) - finished_ms))
kill -CONT "$rgw"
assert_eq 0 "$rc" "exit status with the gateway hanging (stderr: $(cat ckwrap.err))"
assert_contains ckwrap.err "lacks the last" "what the bucket lacks is said"
[ "$took_ms" -lt 4000 ] || fail "ckwrap exited $took_ms ms after the job; --replicate-final-wait is 1s"
pass "a hanging gateway: ckwrap exited $took_ms ms after the job (--replicate-final-wait 1s)"
