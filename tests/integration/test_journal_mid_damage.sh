#!/usr/bin/env bash
# Damage in the middle of a journal is not a torn tail: a record whose
# checksum fails with a whole, verifying commit after it stops ckwrap with
# exit status 125, naming the journal, the damaged record's offset and the
# truncate command that keeps the intact commits (ckwrap(1), RESUMING;
# ckwrap-checkpoint(5), JOURNAL). The job is not launched, the journal is not
# cut back, inspect refuses too; running the suggested truncate then resumes
# from the last intact commit.
TESTS_DIR=${TESTS_DIR:-$(dirname "$0")}
# shellcheck source=lib.sh
source "$TESTS_DIR/lib.sh"

# Four commits of one DONE and one CKPT each, each on disk before the next;
# then ckwrap is SIGKILLed, so its journal stays as it is (no final snapshot).
cat > job.sh <<'JOB'
#!/bin/bash
echo "launched with: $*" >> launches.txt
[ "${1:-}" = --resume-from ] && exit 0
for i in 1 2 3 4; do
  echo "DONE item-$i-MARKER" >&3
  echo "CKPT $i" >&3
  until "$CKWRAP" inspect "$CKWRAP_STATE_DIR" 2>/dev/null | grep -qx "position: $i"; do sleep 0.01; done
done
kill -9 "$PPID"
JOB
chmod +x job.sh
export CKWRAP

run_ckwrap --state-dir st -- ./job.sh
assert_eq 137 "$rc" "ckwrap SIGKILLed by the job"
journal=$(ls st/journal.* | sort | tail -n 1)
assert_eq 4 "$(checkpoint_position st)" "all four commits in the journal"

# Flip one byte of the second commit's DONE id. Its record (a DONES record:
# 13 bytes of frame header, a u32 id length, the id) starts 17 bytes before it.
id_at=$(python3 - "$journal" <<'PY'
import sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
at = data.index(b"item-2-MARKER")
assert data.count(b"item-2-MARKER") == 1 and data.count(b"item-4-MARKER") == 1
data[at + len("item-2-MARKE")] ^= ord("R") ^ ord("S")
open(path, "r+b").write(data)
print(at)
PY
)
record=$((id_at - 17))
before=$(md5sum < "$journal")
size=$(stat -c %s "$journal")
message="journal $journal: corrupt record at offset $record: checksum or length does not verify"
truncate_command="truncate -s $record $journal"

"$CKWRAP" inspect st > inspect.out 2> inspect.err && fail "inspect accepted a damaged journal: $(cat inspect.out)"
assert_contains inspect.err "$message" "inspect: the journal and offset named"

run_ckwrap --state-dir st -- ./job.sh
assert_eq 125 "$rc" "damaged committed data stops the run"
assert_contains ckwrap.err "$message" "the journal and offset named"
assert_contains ckwrap.err "commits before it (the first $record bytes) are intact" "the intact part"
assert_contains ckwrap.err "run: $truncate_command" "the way out"
grep -qF "torn tail" ckwrap.err && fail "mid-journal damage was taken for a torn tail: $(cat ckwrap.err)"
assert_eq 1 "$(wc -l < launches.txt)" "the job was not launched"
assert_eq "$size" "$(stat -c %s "$journal")" "the journal was not cut back"
assert_eq "$before" "$(md5sum < "$journal")" "the journal was left as it was"

# The suggested command keeps commit 1: the run resumes from there.
$truncate_command
run_ckwrap --state-dir st -- ./job.sh
assert_eq 0 "$rc" "resumed after the truncate"
assert_eq "launched with: --resume-from 1" "$(tail -n 1 launches.txt)" "resumed from the intact commit"
pass "mid-journal damage at offset $record refused (125); the suggested truncate resumes from 1"
