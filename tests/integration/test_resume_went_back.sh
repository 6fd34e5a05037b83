#!/usr/bin/env bash
# A resumed job whose first position is behind its resume position gets one
# warning naming both and where ckwrap put the position (issue 16): this job
# tests $1 for --resume-from, but ckwrap appends the flag after its own
# argument, so it starts over at 0 after each of its two crashes. Before, ckwrap
# said nothing. A job that resumes where it was told gets no warning.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

cat > import.sh <<'JOB'
#!/bin/bash
start=0
[ "${1:-}" = --resume-from ] && start=$2   # the wrong place: $1 is data.csv
for ((i = start; i < 100; i++)); do
  for crash in 74 90; do
    [ "$i" = "$crash" ] && [ ! -e "crashed.$crash" ] && { touch "crashed.$crash"; exit 1; }
  done
  echo "CKPT $((i + 1))" >&3
done
JOB
chmod +x import.sh
run_ckwrap --state-dir st --backoff 0 -- ./import.sh data.csv
assert_eq 0 "$rc" "the job finishes all the same"
assert_eq 1 "$(grep -c 'warning: the job was resumed' ckwrap.err)" "one warning for two restarts"
assert_contains ckwrap.err "resumed at position 74 but its first position is 1" "names both"
assert_contains ckwrap.err "--resume-from 74 after its own arguments" "names where it was"

# The position in place of {} is named as such.
rm crashed.*
run_ckwrap --state-dir st2 --backoff 0 -- ./import.sh data.csv --at={}
assert_contains ckwrap.err "the {} in its arguments and CKWRAP_RESUME_FROM=74" "the {} form"

sed -i 's/\[ "${1:-}" = --resume-from \] \&\& start=$2.*/start=${CKWRAP_RESUME_FROM:-0}/' import.sh
rm crashed.*
run_ckwrap --state-dir st3 --backoff 0 -- ./import.sh data.csv
assert_eq 0 "$rc" "a job that resumes right finishes"
assert_not_contains ckwrap.err "warning" "and is not warned about"
pass "one warning when a resumed job goes back behind its resume position"
