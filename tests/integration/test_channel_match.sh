#!/usr/bin/env bash
# --match: an unmodified legacy script printing "Processed N/M rows" on stdout
# crashes twice and resumes from the regex's position, every row done exactly
# once; --match on stderr; the output still passes through; a bad regex is a
# usage error (125) naming the regex.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

cat > legacy_import.sh <<'JOB'
#!/bin/bash
# Knows nothing of ckwrap: prints its progress and takes --resume-from.
start=0
[ "${1:-}" = "--resume-from" ] && start=$2
for ((i = start + 1; i <= 30; i++)); do
  echo "$i" >> rows.done
  echo "Processed $i/30 rows"
  echo "row $i fine" >&2
  if [ "$i" = 9 ] || [ "$i" = 21 ]; then
    if ! grep -qx "crash-$i" crashes 2>/dev/null; then
      echo "crash-$i" >> crashes
      kill -9 $$
    fi
  fi
done
JOB
chmod +x legacy_import.sh
rc=0
"$CKWRAP" --state-dir st --backoff 0 --match 'Processed ([0-9]+)/([0-9]+) rows' \
  --match-progress 'Processed ([0-9]+)/([0-9]+) rows' -- ./legacy_import.sh > out.txt \
  2> ckwrap.err || rc=$?
assert_eq 0 "$rc" "exit status after two crashes"
assert_eq 2 "$(wc -l < crashes)" "crashes"
assert_eq "$(seq 1 30)" "$(cat rows.done)" "every row exactly once, in order"
assert_eq 30 "$(grep -c '^Processed' out.txt)" "stdout passed through"
assert_eq 30 "$(grep -c '^row .* fine$' ckwrap.err)" "stderr passed through"
assert_contains ckwrap.err "resuming from 9" "resumed at the first crash"
assert_contains ckwrap.err "resuming from 21" "resumed at the second crash"
pass "legacy script: two crashes, resumed from the regex, rows done once"

# ---- --match reads stderr too; DONE ids ----
cat > job2.sh <<'JOB'
#!/bin/bash
echo "finished item alpha" >&2
echo "finished item beta"
echo "at 5 of 9" >&2
exit 3
JOB
chmod +x job2.sh
run_ckwrap --state-dir st2 --max-restarts 0 --match-done 'finished item ([a-z]+)' \
  --match 'at ([0-9]+) of' -- ./job2.sh
assert_eq 3 "$rc" "job status"
"$CKWRAP" inspect st2 > inspect2.txt
assert_contains inspect2.txt "done: 2" "DONE from stdout and stderr"
assert_contains inspect2.txt "position: 5" "CKPT from stderr"
pass "--match on stdout and stderr"

# ---- a bad regex ----
run_ckwrap --state-dir st3 --match 'Processed ([0-9]+' -- true
assert_eq 125 "$rc" "bad regex status"
assert_contains ckwrap.err "Processed ([0-9]+" "the regex is named"
assert_contains ckwrap.err "--match" "the option is named"
[ ! -e st3 ] || fail "a bad regex must not touch the state directory"
run_ckwrap --state-dir st3 --match 'no group' -- true
assert_eq 125 "$rc" "regex without a group"
pass "bad regex: 125 with the regex and the reason"
