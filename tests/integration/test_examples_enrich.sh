#!/usr/bin/env bash
# scripts/examples/enrich.py: 1,000 documents against a flaky API that raises
# and SIGKILLs at random. Under ckwrap every document is enriched, and a
# document is enriched more than once only if it was in flight at a SIGKILL
# (exactly once more per such kill). Bare without failures it enriches all.
TESTS_DIR=${TESTS_DIR:-$(dirname "$0")}
EXAMPLES=$(cd "$TESTS_DIR/../../scripts/examples" && pwd)
# shellcheck source=lib.sh
. "$TESTS_DIR/lib.sh"

seq -f 'doc-%04g' 0 999 > all_docs.txt
for seed in 1 2 3; do
  rm -rf s enriched.log kills.log
  rc=0
  SEED=$seed "$CKWRAP" --backoff 0 --max-restarts 50 --state-dir s -- \
    python3 "$EXAMPLES/enrich.py" >out.txt 2>ckwrap.err || rc=$?
  assert_eq 0 "$rc" "seed $seed: exit status"
  kills=$(grep -c 'job killed by signal 9' ckwrap.err || true)
  errors=$(grep -c 'job exited with status 1' ckwrap.err || true)
  # Every document enriched...
  assert_eq "$(cat all_docs.txt)" "$(cut -d' ' -f1 enriched.log | sort -u)" "seed $seed: all enriched"
  # ...and each exactly 1 + (times it was in flight at a SIGKILL).
  touch kills.log
  expected=$(cat all_docs.txt kills.log | sort | uniq -c)
  actual=$(cut -d' ' -f1 enriched.log | sort | uniq -c)
  assert_eq "$expected" "$actual" "seed $seed: enrichments per document"
  assert_eq "$kills" "$(wc -l < kills.log)" "seed $seed: one in-flight document per SIGKILL"
  [ $((kills + errors)) -ge 2 ] || fail "seed $seed: expected crashes, saw $kills kills and $errors errors"
  assert_eq "all 1000 documents enriched" "$(tail -1 out.txt)" "seed $seed: finished"
  pass "seed $seed: $kills SIGKILLs, $errors exceptions, $(wc -l < enriched.log) enrichments for 1000 documents"
done

# Bare, no failures: the same enrichment log as under ckwrap without failures.
rm -rf s enriched.log
FAIL_RATE=0 KILL_RATE=0 env -u CKWRAP_FD python3 "$EXAMPLES/enrich.py" > bare.out || fail "bare run"
mv enriched.log bare.log
FAIL_RATE=0 KILL_RATE=0 "$CKWRAP" --quiet --state-dir s -- python3 "$EXAMPLES/enrich.py" > wrapped.out ||
  fail "wrapped run"
cmp bare.log enriched.log || fail "bare and wrapped enrichment differ"
cmp bare.out wrapped.out || fail "bare and wrapped output differ"
assert_eq 1000 "$(wc -l < bare.log)" "bare enrichments"
pass "bare = wrapped without failures"
