#!/usr/bin/env bash
# Records land in the journal in every --sync mode, a flood of DONE ids
# (compacted on the way) is kept whole, and a torn journal tail is dropped with
# a notice while everything committed before it is kept.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

cat > job.sh <<'JOB'
#!/bin/bash
# Emits N DONE ids and a CKPT, then fails once so ckwrap stops (max-restarts 0).
n=$1
[ "${2:-}" = --resume-from ] && exit 0
seq -f 'DONE item-%.0f' 1 "$n" >&3
echo "STATE cursor at $n" >&3
echo "CKPT $n" >&3
exit 1
JOB
chmod +x job.sh

for mode in always batch none; do
  run_ckwrap --state-dir "st-$mode" --max-restarts 0 --sync "$mode" -- ./job.sh 2000
  assert_eq 1 "$rc" "--sync $mode run"
  "$CKWRAP" inspect "st-$mode" > inspect.txt
  assert_contains inspect.txt "done: 2000" "--sync $mode keeps every id"
  assert_contains inspect.txt "position: 2000" "--sync $mode position"
done
run_ckwrap --sync sometimes -- ./job.sh 1
assert_eq 125 "$rc" "bad --sync value"
assert_contains ckwrap.err "--sync" "bad --sync value named"

# A flood larger than the compaction threshold and the pending bound.
run_ckwrap --state-dir flood --max-restarts 0 -- ./job.sh 600000
assert_eq 1 "$rc" "flood run"
"$CKWRAP" inspect flood > inspect.txt
assert_contains inspect.txt "done: 600000" "flood keeps every id"

# A torn tail: the start of a commit that never finished.
cat > job2.sh <<'JOB'
#!/bin/bash
if [ "${1:-}" = --resume-from ]; then echo "resumed at $2" > resumed.txt; exit 0; fi
echo "DONE one" >&3
echo "CKPT 1" >&3
# Wait until that commit is on disk, then stop for good.
until "$CKWRAP" inspect "$CKWRAP_STATE_DIR" 2>/dev/null | grep -qx "position: 1"; do sleep 0.01; done
exit 1
JOB
chmod +x job2.sh
export CKWRAP
run_ckwrap --state-dir torn --max-restarts 0 -- ./job2.sh
assert_eq 1 "$rc" "first run"
# The run's own generation: a snapshot from its first commit, and a journal
# holding the CKPT 1 commit and the run's last one. Tear it and load it.
[ "$(ls torn/checkpoint.* | wc -l)" -eq 1 ] || fail "the run's end wrote a snapshot"
journal=$(ls torn/journal.* | sort | tail -n 1)
[ -s "$journal" ] || fail "no journal written"
size=$(stat -c %s "$journal")
printf 'partial commit' >> "$journal"
run_ckwrap --state-dir torn -- ./job2.sh
assert_eq 0 "$rc" "resumed run"
assert_contains ckwrap.err "torn tail of 14 bytes" "torn tail notice"
assert_eq "resumed at 1" "$(cat resumed.txt)" "committed position kept"
[ ! -e "$journal" ] || [ "$(stat -c %s "$journal")" -eq "$size" ] || fail "torn tail not cut off"
pass "sync modes, flood, torn tail"
