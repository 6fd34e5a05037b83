#!/usr/bin/env bash
# State directories ckwrap cannot use are refused at once with exit 125 and a
# message naming the path: a regular file, a path under a regular file, and a
# read-only filesystem (a read-only tmpfs, when mount is allowed).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

printf '#!/bin/sh\necho ran >> ran.txt\n' > job.sh
chmod +x job.sh

echo data > plainfile
run_ckwrap --state-dir plainfile -- ./job.sh
assert_eq 125 "$rc" "a regular file as the state directory"
assert_contains ckwrap.err "plainfile" "the path is named"

run_ckwrap --state-dir plainfile/sub -- ./job.sh
assert_eq 125 "$rc" "a state directory under a regular file"
assert_contains ckwrap.err "plainfile/sub" "the path is named"
[ ! -e ran.txt ] || fail "the job ran without a usable state directory"

if [ "$(id -u)" = 0 ] && mkdir ro && mount -t tmpfs -o size=64k,ro tmpfs ro 2>/dev/null; then
  trap 'umount -l "$SCRATCH/ro" 2>/dev/null || true; cleanup' EXIT
  run_ckwrap --state-dir ro/state -- ./job.sh
  assert_eq 125 "$rc" "a state directory on a read-only filesystem"
  assert_contains ckwrap.err "ro/state" "the path is named"
  assert_contains ckwrap.err "Read-only file system" "the reason"
  [ ! -e ran.txt ] || fail "the job ran on a read-only state directory"
  pass "read-only filesystem refused with 125"
fi
pass "unusable state directories refused with 125 naming the path"
