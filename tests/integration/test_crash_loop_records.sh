#!/usr/bin/env bash
# Crash loops cannot pass for progress, whatever record the job sends (issue
# 16): a run counts only when it takes the checkpoint somewhere it has not
# been. Each job below dies after re-sending what it sent on its first run;
# ckwrap must give up with 76 after the first run and --no-progress-limit (5)
# runs without progress, i.e. 6 runs. Before the fix the FAIL and CKPT jobs
# never gave up (1,785 runs in 5 s).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# crash_loop NAME RECORDS...: a job that writes RECORDS to fd 3 and exits 1,
# ignoring --resume-from; runs it under ckwrap (at most 20 s) and checks it
# gave up with 76 after 6 runs.
crash_loop() {
  local name=$1
  shift
  {
    echo '#!/bin/sh'
    echo "echo run >> $name.runs"
    printf 'printf "%%s\\n" %s >&3\n' "$*"
    echo 'exit 1'
  } > "$name.sh"
  chmod +x "$name.sh"
  rc=0
  timeout 20 "$CKWRAP" --state-dir "$name.st" --backoff 0 -- "./$name.sh" 2> "$name.err" || rc=$?
  echo "$name: $(wc -l < "$name.runs") runs, exit $rc"
  assert_eq 76 "$rc" "$name: gives up as making no progress"
  assert_eq 6 "$(wc -l < "$name.runs")" "$name: runs before giving up"
}

crash_loop done_repeated '"DONE item-1"'
crash_loop fail_repeated '"FAIL item-3 bad row"'
crash_loop state_same '"STATE total 6"'
crash_loop state_recomputed '"STATE total 1" "STATE total 3" "STATE total 6"'
crash_loop ckpt_resent '"CKPT 1" "CKPT 2" "CKPT 3"'
crash_loop ckpt_resent_names '"CKPT a.csv:1" "CKPT b.csv:1" "CKPT a.csv:9"'
assert_contains ckpt_resent.err "stuck at position 3" "names where the job is stuck"

# The FAIL list keeps one entry per id, with its count and last reason.
"$CKWRAP" inspect fail_repeated.st > inspect.txt
assert_contains inspect.txt "failed: 1" "one FAIL entry for one id"
assert_contains inspect.txt "item-3: bad row (6 times)" "its count"
"$CKWRAP" inspect --json fail_repeated.st > inspect.json
assert_contains inspect.json '"failures":[{"id":"item-3","reason":"bad row","count":6}]' "JSON count"

# The restart budget holds for FAIL too: --max-restarts 2 gives up with 76
# (no progress) after the first run and 2 relaunches without progress.
rm fail_repeated.runs
rc=0
timeout 20 "$CKWRAP" --state-dir budget.st --backoff 0 --max-restarts 2 -- ./fail_repeated.sh \
  2> budget.err || rc=$?
echo "fail_repeated --max-restarts 2: $(wc -l < fail_repeated.runs) runs, exit $rc"
assert_eq 76 "$rc" "--max-restarts used up without progress: 76"
assert_eq 4 "$(wc -l < fail_repeated.runs)" "--max-restarts 2: runs"
assert_contains budget.err "--max-restarts 2 used up without progress" "says why"
pass "DONE, FAIL, STATE and CKPT crash loops give up with 76 after 6 runs"
