#!/usr/bin/env bash
# scripts/examples/parallel_workers.sh: 8 workers fed by `ckwrap pending`,
# each emitting DONE. The job is SIGKILLed (whole process group) midway; the
# relaunch processes exactly the ids not DONE at the crash, so an id is
# processed twice only if it was in flight (at most 8), never three times.
TESTS_DIR=${TESTS_DIR:-$(dirname "$0")}
EXAMPLES=$(cd "$TESTS_DIR/../../scripts/examples" && pwd)
# shellcheck source=lib.sh
. "$TESTS_DIR/lib.sh"
PATH=$(dirname "$CKWRAP"):$PATH

seq -f 'id-%03g' 1 200 > ids.txt
# The wrapper keeps a copy of the done file each launch was given.
cat > job.sh <<JOB
#!/bin/sh
cp "\${CKWRAP_DONE_FILE:-/dev/null}" "done.\$CKWRAP_ATTEMPT"
exec "$EXAMPLES/parallel_workers.sh" ids.txt
JOB
chmod +x job.sh
rc=0
CRASH_ID=id-100 "$CKWRAP" --backoff 0 --state-dir s -- ./job.sh >out.txt 2>ckwrap.err || rc=$?
assert_eq 0 "$rc" "exit status"
assert_eq 1 "$(grep -c 'job killed by signal 9' ckwrap.err)" "one crash"
[ -e done.2 ] && [ ! -e done.3 ] || fail "expected exactly two launches"
grep ' attempt 1$' processed.log | cut -d' ' -f1 | sort > first.txt
grep ' attempt 2$' processed.log | cut -d' ' -f1 | sort > second.txt
sort done.2 > done_at_resume.txt
assert_eq 0 "$(wc -l < done.1)" "the first launch had nothing done"
# No id processed twice within a launch, every id processed.
assert_eq "$(wc -l < first.txt)" "$(sort -u first.txt | wc -l)" "no duplicates in launch 1"
assert_eq "$(wc -l < second.txt)" "$(sort -u second.txt | wc -l)" "no duplicates in launch 2"
assert_eq "$(sort ids.txt)" "$(sort -u first.txt second.txt)" "every id processed"
# The relaunch processed exactly the ids not DONE at the crash.
assert_eq "$(comm -23 ids.txt done_at_resume.txt)" "$(cat second.txt)" "launch 2 = ids not DONE"
# Redone ids: processed in launch 1 but their DONE not in: the in-flight ones.
redone=$(comm -12 first.txt second.txt | wc -l)
[ "$redone" -le 8 ] || fail "$redone ids redone, more than the 8 in flight"
assert_eq "$(comm -23 first.txt done_at_resume.txt | wc -l)" "$redone" "redone = processed but not DONE"
assert_eq 0 "$(comm -13 first.txt done_at_resume.txt | wc -l)" "every DONE id was processed"
"$CKWRAP" inspect s | grep -qx 'done: 200' || fail "200 ids DONE"
pass "crash at id-100: $(wc -l < first.txt) processed before, $(wc -l < second.txt) after, $redone redone"

# Bare: every id once, no ckwrap needed beyond pending/emit passing through.
rm -f processed.log
env -u CKWRAP_FD -u CKWRAP_DONE_FILE "$EXAMPLES/parallel_workers.sh" ids.txt || fail "bare run"
assert_eq "$(cat ids.txt)" "$(cut -d' ' -f1 processed.log | sort)" "bare: every id once"
pass "bare run processes every id once"
