#!/usr/bin/env bash
# scripts/examples/legacy_import_{before,after}.sh: the conversion is three
# lines; the converted script, SIGKILLed twice under ckwrap, inserts every row
# once and only the two in-flight rows twice; run bare it does exactly what
# the original does.
TESTS_DIR=${TESTS_DIR:-$(dirname "$0")}
EXAMPLES=$(cd "$TESTS_DIR/../../scripts/examples" && pwd)
# shellcheck source=lib.sh
. "$TESTS_DIR/lib.sh"
PATH=$(dirname "$CKWRAP"):$PATH

before=$EXAMPLES/legacy_import_before.sh after=$EXAMPLES/legacy_import_after.sh
added=$(diff --old-line-format= --unchanged-line-format= --new-line-format='%L' "$before" "$after" || true)
removed=$(diff --new-line-format= --unchanged-line-format= --old-line-format='%L' "$before" "$after" || true)
# Code lines: a shellcheck directive saying where the shim lives is no change.
assert_eq 3 "$(printf '%s\n' "$added" | grep -vc '^[[:space:]]*#')" \
  "lines of code in the converted script that are new"
assert_eq "first=1" "$removed" "the one line replaced"

seq 1 40 | sed 's/.*/&,name &/' > rows.csv
rc=0
CRASH_AT="7 23" "$CKWRAP" --backoff 0 --state-dir s -- "$after" rows.csv >out.txt 2>ckwrap.err || rc=$?
assert_eq 0 "$rc" "exit status"
expected=$( (seq 1 40; echo 7; echo 23) | sort -n | tr '\n' ' ')
assert_eq "$expected" "$(cut -d, -f1 imported.db | sort -n | tr '\n' ' ')" \
  "rows 1..40 once each, the in-flight rows 7 and 23 twice"
assert_eq 42 "$(wc -l < imported.db)" "inserts"
assert_eq 2 "$(grep -c 'job killed by signal 9' ckwrap.err)" "two crashes"
assert_contains ckwrap.err "resuming from 6" "first resume after row 6, the last checkpointed"
assert_contains ckwrap.err "resuming from 22" "second resume"
assert_eq "imported rows 23..40 into imported.db" "$(cat out.txt)" "the last launch's report"
pass "converted importer: 2 SIGKILLs, 42 inserts for 40 rows"

# Bare, without crashes: the converted script behaves exactly as the original.
rm -f imported.db*
env -u CKWRAP_FD "$before" rows.csv >before.out 2>&1 || fail "original failed"
mv imported.db before.db
env -u CKWRAP_FD "$after" rows.csv >after.out 2>&1 || fail "converted script failed bare"
cmp before.db imported.db || fail "bare: the databases differ"
cmp before.out after.out || fail "bare: the outputs differ"
assert_eq 40 "$(wc -l < imported.db)" "bare inserts"
pass "converted importer run bare = the original"
