#!/usr/bin/env bash
# The machine (or container) dies mid-run: ckwrap and its job are SIGKILLed.
# Running the same command again resumes on its very first launch.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

mkfifo ready
cat > import.sh <<'JOB'
#!/bin/bash
echo "$*" >> launches.txt
start=0
[ "${2:-}" = --resume-from ] && start=$3
for ((i = start; i < 1000; i++)); do
  echo "$i" >> out.txt
  echo "CKPT $((i + 1))" >&3
  if [ $((i + 1)) = 743 ] && [ ! -e stalled ]; then
    touch stalled
    echo "$$" > ready
    exec sleep 600
  fi
done
JOB
chmod +x import.sh

"$CKWRAP" -- ./import.sh data.csv 2>first.err &
supervisor=$!
read -r job_pid < ready
state=$(ls -d .ckwrap/*)
wait_until 20 position_is "$state" 743
kill -9 "$supervisor" "$job_pid"
wait "$supervisor" 2>/dev/null || true

run_ckwrap -- ./import.sh data.csv
assert_eq 0 "$rc" "second invocation"
assert_eq "data.csv --resume-from 743" "$(sed -n 2p launches.txt)" "first launch resumes"
assert_eq 2 "$(wc -l < launches.txt)" "launches"
assert_eq 1000 "$(sort -n out.txt | uniq | wc -l)" "every row done"
assert_eq 1000 "$(wc -l < out.txt)" "no row done twice"
pass "resumed at 743 after the supervisor was killed"
