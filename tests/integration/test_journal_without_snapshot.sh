#!/usr/bin/env bash
# A journal holds only the changes since its snapshot: without that snapshot
# its commits cannot be replayed. Such a journal (its snapshot deleted, all
# snapshots deleted, or only the newest) is never dropped silently (issue 17):
# inspect says what it found and fails, a run stops with 125 before the job
# starts, naming the journal, its commits and the way forward, and leaves the
# files as they are. Moving the journal aside, as the message says, accepts
# the loss: the run then resumes from the snapshot that is left, or afresh.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# job.sh: CKPT $FIRST..$LAST (the same command line each run), waits until the last is durable (SYNC),
# then kills ckwrap as a crash would: its journal keeps those commits.
cat > job.sh <<'JOB'
#!/bin/bash
echo "launched: $*" >> launches.txt
[ -n "${NO_CRASH:-}" ] && exit 0
for ((i = FIRST; i <= LAST; i++)); do echo "CKPT $i"; done >&3
echo "SYNC last" >&3
read -r _ <&4
kill -9 "$PPID"
JOB
chmod +x job.sh

# make_state DIR: generation 1 holds position 100 (snapshot + journal),
# generation 2 the position 100 snapshot plus a journal up to 500.
make_state() {
  FIRST=1 LAST=100 run_ckwrap --state-dir "$1" -- ./job.sh
  FIRST=101 LAST=500 run_ckwrap --state-dir "$1" -- ./job.sh
  [ -e "$1/journal.00000000000000000002" ] || { ls "$1" >&2; fail "no journal of generation 2"; }
  assert_eq 500 "$(checkpoint_position "$1")" "$1: the state before damage"
}

# refused DIR JOURNAL WHAT: inspect and run both refuse, naming JOURNAL.
refused() {
  local before
  before=$(ls "$1")
  rc=0
  "$CKWRAP" inspect "$1" > inspect.out 2> inspect.err || rc=$?
  assert_eq 1 "$rc" "$3: inspect's exit status"
  assert_contains inspect.err "$1/$2" "$3: inspect names the journal"
  assert_contains inspect.err "up to position 500" "$3: inspect says what the journal holds"
  : > launches.txt
  FIRST=501 LAST=600 run_ckwrap --state-dir "$1" -- ./job.sh
  assert_eq 125 "$rc" "$3: the run's exit status"
  assert_contains ckwrap.err "$1/$2" "$3: the run names the journal"
  assert_contains ckwrap.err "mv $1/$2 $1/$2.rejected" "$3: the way to accept the loss"
  assert_contains ckwrap.err "ckwrap reset" "$3: the way to start over"
  [ ! -s launches.txt ] || fail "$3: the job was launched"
  assert_eq "$before" "$(ls "$1")" "$3: the state directory is left as it was"
}

make_state all
rm all/checkpoint.*
refused all journal.00000000000000000002 "all snapshots deleted"
assert_contains ckwrap.err "all/journal.00000000000000000001" "the older journal is named too"
for journal in all/journal.*; do mv "$journal" "$journal.rejected"; done
: > launches.txt
NO_CRASH=1 run_ckwrap --state-dir all -- ./job.sh
assert_eq 0 "$rc" "the run once the loss is accepted"
assert_eq "launched: " "$(head -n 1 launches.txt)" "a fresh start, as accepted"
pass "all snapshots deleted: refused naming each journal; a fresh start only once they are set aside"

make_state newest
rm newest/checkpoint.00000000000000000002
refused newest journal.00000000000000000002 "only the newest snapshot deleted"
mv newest/journal.00000000000000000002 newest/journal.00000000000000000002.rejected
assert_eq 100 "$("$CKWRAP" inspect --field position newest)" "inspect once the loss is accepted"
: > launches.txt
NO_CRASH=1 run_ckwrap --state-dir newest -- ./job.sh
assert_eq 0 "$rc" "the run once the loss is accepted"
assert_eq "launched: --resume-from 100" "$(head -n 1 launches.txt)" "resumed from the older snapshot"
pass "newest snapshot deleted: refused naming its journal; resumes from the older one once set aside"
