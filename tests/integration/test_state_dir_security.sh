#!/usr/bin/env bash
# The state directory is private: created 0700 with 0600 files; a state path
# that is a symbolic link, or a directory its group or other users can write,
# is refused with a message saying how to fix it (exit 125) before anything is
# read or written.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

printf '#!/bin/sh\necho "CKPT 1" >&3\nexit 0\n' > job.sh
chmod +x job.sh
umask 022
run_ckwrap --state-dir new/st -- ./job.sh
assert_eq 0 "$rc" "run"
assert_eq 700 "$(stat -c %a new/st)" "state directory mode"
assert_eq 700 "$(stat -c %a new)" "created parent mode"
for f in new/st/checkpoint.*; do assert_eq 600 "$(stat -c %a "$f")" "mode of $f"; done

mkdir -p real
ln -s real link
run_ckwrap --state-dir link -- ./job.sh
assert_eq 125 "$rc" "symlinked state directory"
assert_contains ckwrap.err "state directory link is a symbolic link" "message names the path"
[ -z "$(ls real)" ] || fail "ckwrap wrote through the symlink"

mkdir shared
chmod 0777 shared
run_ckwrap --state-dir shared -- ./job.sh
assert_eq 125 "$rc" "world-writable state directory"
assert_contains ckwrap.err "bad permissions: shared is writable by group and others; chmod go-w shared" "message"
[ -z "$(ls shared)" ] || fail "ckwrap wrote into a world-writable directory"
chmod go-w shared
run_ckwrap --state-dir shared -- ./job.sh
assert_eq 0 "$rc" "accepted once fixed"
pass "state directory 0700/0600; symlink and group- or world-writable refused"
