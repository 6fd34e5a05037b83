#!/usr/bin/env bash
# The disk holding the state directory fills up (a small tmpfs, ENOSPC): the
# failed write is reported with its path, the last good checkpoint stays intact,
# the job keeps running, and the checkpoint is written from memory once space
# is back. If the last write before ckwrap exits fails, ckwrap exits 125 and
# the next run resumes from the last good checkpoint. Needs root (mount).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

mkdir disk
if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=256k tmpfs disk 2>/dev/null; then
  echo "SKIP: mounting a tmpfs needs root"
  exit 77
fi
trap 'umount -l "$SCRATCH/disk" 2>/dev/null || true; cleanup' EXIT

# fill_disk: takes every free block of the tmpfs.
fill_disk() {
  dd if=/dev/zero of=disk/filler bs=4k status=none 2>/dev/null || true
}

# One fifo per step: a second open of the same fifo could still meet the
# previous writer and read its EOF instead of waiting.
mkfifo a1 a2 b1 b2
# committed DIR POS: POS is committed and the commit has pruned the older
# generations (an unlink after the disk is filled would free space again).
committed() {
  local files=("$1"/checkpoint.*)
  position_is "$1" "$2" && [ "${#files[@]}" -le 2 ]
}
cat > job.sh <<'JOB'
#!/bin/bash
echo "launched: $*" >> launches.txt
[ -n "${NO_WAIT:-}" ] && exit 0
echo "CKPT 1" >&3
read -r _ < "${STEP}1"
# A record larger than a page: its journal append needs new blocks.
printf 'DONE %08000d\n' 7 >&3
echo "CKPT 2" >&3
read -r _ < "${STEP}2"
# Another new id larger than a page: the run's last commit needs new blocks too.
printf 'DONE %s%08000d\n' "$STEP" 8 >&3
exit 0
JOB
chmod +x job.sh

STEP=a "$CKWRAP" --state-dir disk/state --max-restarts 0 -- ./job.sh 2>ckwrap.err &
supervisor=$!
wait_until 20 committed disk/state 1

fill_disk
echo > a1  # the job goes on: CKPT 2 cannot be written
wait_until 20 grep -q "No space left on device" ckwrap.err
assert_contains ckwrap.err "checkpoint not saved" "failed write reported"
assert_contains ckwrap.err "disk/state/" "the path is named"
# Retried every second, failing again while the disk is full.
enospc_reported_twice() { [ "$(grep -c 'No space left on device' ckwrap.err)" -ge 2 ]; }
wait_until 20 enospc_reported_twice
assert_eq 1 "$(checkpoint_position disk/state)" "last good checkpoint intact"
for file in disk/state/checkpoint.*; do
  "$CKWRAP" inspect "$file" >/dev/null || fail "$file does not verify"
done
temps=(disk/state/.tmp.*)
[ ! -e "${temps[0]}" ] || fail "temp file left after ENOSPC"
kill -0 "$supervisor" || fail "ckwrap stopped while the disk was full"

rm disk/filler  # space is back: the checkpoint is written from memory
wait_until 20 position_is disk/state 2
echo > a2
wait "$supervisor" || fail "ckwrap exited $? after the disk recovered"
"$CKWRAP" inspect disk/state | grep -qx "complete: yes" || fail "completed run not recorded"
pass "ENOSPC during a run: reported, last checkpoint intact, written once space is back"

# The disk is full when the job ends (a rerun of the completed job): the last
# write fails, ckwrap exits 125, and the next run resumes from the last good
# checkpoint.
: > ckwrap.err
STEP=b "$CKWRAP" --state-dir disk/state --on-complete rerun --max-restarts 0 -- ./job.sh 2>ckwrap.err &
supervisor=$!
wait_until 20 position_is disk/state 1
echo > b1
wait_until 20 committed disk/state 2
fill_disk
echo > b2
rc=0
wait "$supervisor" || rc=$?
assert_eq 125 "$rc" "exit status when the last write fails"
assert_contains ckwrap.err "No space left on device" "reason"
assert_eq 2 "$(checkpoint_position disk/state)" "last good checkpoint intact"
rm disk/filler
: > launches.txt
NO_WAIT=1 run_ckwrap --state-dir disk/state --max-restarts 0 -- ./job.sh
assert_eq 0 "$rc" "the next run"
assert_eq "launched: --resume-from 2" "$(head -n 1 launches.txt)" "resumed from the last good checkpoint"
pass "ENOSPC on the last write: exit 125, next run resumes from the last good checkpoint"
