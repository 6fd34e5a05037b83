#!/usr/bin/env bash
# --incremental: a daily run over yesterday's items plus 10 new ones
# processes exactly the 10 (through CKWRAP_DONE_FILE, Python's pending() and
# `ckwrap pending`); without it, a completed job's next run does everything.
TESTS_DIR=${TESTS_DIR:-$(dirname "$0")}
SHIM_DIR=$(cd "$TESTS_DIR/../../shim" && pwd)
# shellcheck source=lib.sh
. "$TESTS_DIR/lib.sh"
export PYTHONPATH="$SHIM_DIR"

mkdir inbox
cat > daily.py <<'JOB'
import os
import ckwrap
for name in ckwrap.pending(sorted(os.listdir("inbox"))):
    with open("processed.txt", "a") as out:
        out.write(name + "\n")
    ckwrap.done(name)
JOB

for i in $(seq -w 1 50); do touch "inbox/day1-$i"; done
run_ckwrap --state-dir st --incremental -- python3 daily.py
assert_eq 0 "$rc" "day 1"
assert_eq 50 "$(wc -l < processed.txt)" "day 1 processes everything"
# `ckwrap pending` against the completed incremental checkpoint.
assert_eq 0 "$(ls inbox | "$CKWRAP" pending st | wc -l)" "nothing pending after day 1"

for i in $(seq -w 1 10); do touch "inbox/day2-$i"; done
assert_eq 10 "$(ls inbox | "$CKWRAP" pending st | wc -l)" "the 10 new items are pending"
: > processed.txt
run_ckwrap --state-dir st --incremental -- python3 daily.py
assert_eq 0 "$rc" "day 2"
assert_eq "$(cd inbox && printf '%s\n' *day2* | paste -sd' ')" "$(paste -sd' ' processed.txt)" \
  "day 2 processes exactly the 10 new items"
assert_contains ckwrap.err "skipping its 50 done ids" "day 2 says what it skips"
assert_eq 60 "$("$CKWRAP" inspect st | sed -n 's/^done: //p')" "the set grows"

# Day 3 with a crash in the middle: resumes, still only the new items.
for i in $(seq -w 1 10); do touch "inbox/day3-$i"; done
cat > crashy.py <<'JOB'
import os, signal
import ckwrap
for name in ckwrap.pending(sorted(os.listdir("inbox"))):
    with open("processed.txt", "a") as out:
        out.write(name + "\n")
    ckwrap.done(name)
    if name == "day3-05" and ckwrap.attempt() == 1:
        os.kill(os.getpid(), signal.SIGKILL)
JOB
: > processed.txt
run_ckwrap --state-dir st --incremental --backoff 0 -- python3 crashy.py
assert_eq 0 "$rc" "day 3"
assert_eq "$(cd inbox && printf '%s\n' *day3* | paste -sd' ')" "$(paste -sd' ' processed.txt)" \
  "day 3, crash included, processes exactly its 10 items once"

# Day 4, nothing new: --incremental reruns (its default --on-complete) and
# processes nothing.
: > processed.txt
run_ckwrap --state-dir st --incremental -- python3 daily.py
assert_eq 0 "$rc" "day 4"
assert_eq 0 "$(wc -l < processed.txt)" "day 4 has nothing new to process"
# --incremental forgotten once: the completed job is not run again and the
# set is kept (the default --on-complete is exit without --incremental).
run_ckwrap --state-dir st -- python3 daily.py
assert_eq 0 "$rc" "a plain run"
assert_eq 0 "$(wc -l < processed.txt)" "a plain run after completion runs nothing"
assert_contains ckwrap.err "its 70 DONE ids are kept" "says the set is kept"
assert_eq 0 "$(ls inbox | "$CKWRAP" pending st | wc -l)" "the set still counts"
# Rerun without --incremental: the set is dropped, loudly.
run_ckwrap --state-dir st --on-complete rerun --quiet -- python3 daily.py
assert_eq 0 "$rc" "a plain rerun"
assert_eq 70 "$(wc -l < processed.txt)" "a plain rerun after completion starts from nothing"
assert_contains ckwrap.err "warning: dropping the 70 DONE ids the last run kept with --incremental" \
  "the dropped set is announced, even with --quiet"
assert_eq 70 "$(ls inbox | "$CKWRAP" pending st | wc -l)" "and pending no longer skips anything"

# Resuming an --incremental run without it: warned that the set will go.
printf '#!/bin/sh\n"$CKWRAP" emit DONE a\n[ -n "${CKWRAP_RESUME_FROM+x}${CKWRAP_DONE_FILE:-}" ] || exit 3\n' > once.sh
chmod +x once.sh
run_ckwrap --state-dir st5 --incremental --restart never -- ./once.sh
assert_eq 3 "$rc" "an incremental run stopped part-way"
run_ckwrap --state-dir st5 --quiet -- ./once.sh
assert_eq 0 "$rc" "resumed without --incremental"
assert_contains ckwrap.err "warning: this run lacks --incremental: once it succeeds, the 1 DONE ids" \
  "the resume without --incremental is warned, even with --quiet"
pass "incremental: day 2 and day 3 process exactly their 10 new items"
