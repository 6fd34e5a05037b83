#!/usr/bin/env bash
# Fencing (ckwrap-checkpoint(5), FENCING): two supervisors on one state
# directory that no lock keeps apart. The first is frozen (SIGSTOP) with its
# job mid-way, its lock is broken by removing the lock file, a second one
# resumes and completes the job; woken (SIGCONT), the first must stop with
# 125, naming the second's pid and host, without writing: every id the second
# committed survives and the position never goes back. The test holds the
# first job's fd 3 open as an outsider would, so the first ends before its
# pipe's EOF: it must not wait for it, and must release it (under ASan the
# leaked pipe turned 125 into 1).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# job.sh NAME LAST [--resume-from N]: the items after N up to LAST, each a
# DONE then a CKPT; NAME a waits after item 3 until the file a_more exists.
cat > job.sh <<'JOB'
#!/bin/bash
name=$1 last=$2 i=0
[ "${3:-}" = --resume-from ] && i=$4
while [ "$i" -lt "$last" ]; do
  i=$((i + 1))
  echo "DONE $name-$i" >&3
  echo "CKPT $i" >&3
  if [ "$name" = a ] && [ "$i" = 3 ]; then
    echo $$ > a_at3
    while [ ! -e a_more ]; do sleep 0.01; done
  fi
done
JOB
chmod +x job.sh

# What a writer leaves in the state directory: every generation file and its bytes.
fingerprint() {
  (cd st && for f in checkpoint.* journal.*; do [ -e "$f" ] && echo "$f $(cksum < "$f")"; done)
}

"$CKWRAP" --state-dir st -- ./job.sh a 6 2>first.err &
first=$!
waited=$first
await a_at3
wait_until 10 position_is st 3
kill -STOP "$first"
exec 9>"/proc/$(cat a_at3)/fd/3"
rm st/lock  # the lock no longer keeps anyone out (as on storage without working flock)

"$CKWRAP" --state-dir st -- ./job.sh b 8 2>second.err &
second=$!
rc=0
wait "$second" || rc=$?
assert_eq 0 "$rc" "the second supervisor completes the job"
before=$(checkpoint_position st)
"$CKWRAP" inspect --json st > before.json
files_before=$(fingerprint)
assert_eq 8 "$before" "the second's position"
for i in 4 5 6 7 8; do assert_contains before.json "\"b-$i\"" "the second committed b-$i"; done

: > a_more  # the first's job goes on with items 4 to 6 once its supervisor wakes
kill -CONT "$first"
waited=$first
wait_ckwrap 10
assert_eq 125 "$rc" "the woken first supervisor"
exec 9>&-
assert_contains first.err "another ckwrap (pid $second on host $(hostname))" "names the other writer"
assert_contains first.err "stops without writing" "says it writes nothing"

after=$(checkpoint_position st)
"$CKWRAP" inspect --json st > after.json
assert_eq "$before" "$after" "the position after the first woke"
for i in 4 5 6 7 8; do assert_contains after.json "\"b-$i\"" "b-$i survives"; done
assert_not_contains after.json '"a-4"' "nothing of the first's after its freeze"
assert_eq "$files_before" "$(fingerprint)" "the generation files the first woke to"
grep -m1 "another ckwrap" first.err
echo "figures: first exit $rc, position $before -> $after, second kept b-4..b-8, files unchanged"
pass "a stale supervisor woken beside a newer one stops (125) without writing"
