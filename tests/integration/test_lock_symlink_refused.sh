#!/usr/bin/env bash
# A symbolic link planted at the state directory's lock file is never
# followed: ckwrap (a run, and ckwrap reset) refuses with exit status 125 and
# says it cannot open the lock file, and the file the link points to keeps its
# content, size and modification time (ckwrap writes its pid into the lock
# file it takes). A dangling link does not create its target. Without the
# link, the same state directory runs.
TESTS_DIR=${TESTS_DIR:-$(dirname "$0")}
# shellcheck source=lib.sh
source "$TESTS_DIR/lib.sh"

printf '#!/bin/sh\necho ran >> ran.txt\necho "CKPT 1" >&3\n' > job.sh
chmod +x job.sh
mkdir -m 0700 st
printf 'precious data, not a pid\n' > outside.txt
touch -d '2020-01-02 03:04:05' outside.txt
before=$(stat -c '%s %Y' outside.txt; md5sum < outside.txt)
ln -s ../outside.txt st/lock

unchanged() {
  assert_eq "$before" "$(stat -c '%s %Y' outside.txt; md5sum < outside.txt)" "$1: the link's target"
}

run_ckwrap --state-dir st -- ./job.sh
assert_eq 125 "$rc" "run with a symlinked lock file"
assert_contains ckwrap.err "cannot open lock file st/lock" "the lock file named"
unchanged run
[ ! -e ran.txt ] || fail "the job ran without the lock"
[ -z "$(ls st/checkpoint.* st/journal.* 2>/dev/null)" ] || fail "checkpoint written without the lock"
[ -L st/lock ] || fail "the link was replaced"

run_ckwrap reset st
assert_eq 125 "$rc" "reset with a symlinked lock file"
assert_contains ckwrap.err "cannot open lock file st/lock" "reset: the lock file named"
unchanged reset

# A dangling link: following it would create the target.
rm st/lock
ln -s ../created-through-link st/lock
run_ckwrap --state-dir st -- ./job.sh
assert_eq 125 "$rc" "run with a dangling symlinked lock file"
[ ! -e created-through-link ] || fail "the lock was created through the link"

rm st/lock
run_ckwrap --state-dir st -- ./job.sh
assert_eq 0 "$rc" "run once the link is gone"
assert_eq ran "$(cat ran.txt)" "the job ran"
[ -f st/lock ] && [ ! -L st/lock ] || fail "no regular lock file"
pass "symlinked lock file refused (125), its target untouched"
