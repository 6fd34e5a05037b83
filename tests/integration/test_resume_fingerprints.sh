#!/usr/bin/env bash
# A resume after the input file was edited is refused (125) with the reason
# and both command lines; --resume-anyway accepts it, and the run then
# finishes. (A changed command line: test_resume_command_line.sh.)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

cat > job.sh <<'JOB'
#!/bin/bash
start=0
[ "${1:-}" = --resume-from ] && start=$2
mapfile -t items < items.txt
for ((i = start; i < ${#items[@]}; i++)); do
  echo "${items[i]}" >> out.txt
  echo "CKPT $((i + 1))" >&3
  [ "$i" = 4 ] && [ ! -e crashed ] && { touch crashed; exit 3; }
done
exit 0
JOB
chmod +x job.sh
seq 1 10 > items.txt

run_ckwrap --state-dir st --input items.txt --restart never -- ./job.sh
assert_eq 3 "$rc" "first run stops resumable"
assert_eq 5 "$(checkpoint_position st)" "checkpoint after the crash"

# A line appended to the input.
cp -p items.txt items.orig
echo 11 >> items.txt
run_ckwrap --state-dir st --input items.txt -- ./job.sh
assert_eq 125 "$rc" "resume after editing the input"
assert_contains ckwrap.err "refusing to resume" "refusal"
assert_contains ckwrap.err "input items.txt: size 21 -> 24, modification time changed, content changed" "what changed"
assert_contains ckwrap.err "--resume-anyway" "the way out"
assert_contains ckwrap.err '  recorded: "./job.sh"' "the refusal shows the recorded command line"
assert_contains ckwrap.err '  new:      "./job.sh"' "and the new one"
assert_eq 5 "$(wc -l < out.txt)" "the job did not run"

# Same size, other content, the mtime put back: the hash still tells.
sed 's/^7$/8/' items.orig > items.txt
touch -r items.orig items.txt
run_ckwrap --state-dir st --input items.txt -- ./job.sh
assert_eq 125 "$rc" "resume after an edit that keeps size and mtime"
assert_contains ckwrap.err "input items.txt: content changed" "content change named"

# The override: resumes at 5 with the edited input, and finishes.
cp -p items.orig items.txt
echo 11 >> items.txt
run_ckwrap --state-dir st --input items.txt --resume-anyway -- ./job.sh
assert_eq 0 "$rc" "accepted with --resume-anyway"
assert_contains ckwrap.err "resuming despite changes (--resume-anyway)" "override logged"
assert_eq "$(seq 1 11 | paste -sd' ')" "$(paste -sd' ' out.txt)" "resumed at 5 over the new input"

# Unchanged input resumes without a word.
seq 1 10 > items.txt
rm -f crashed out.txt
run_ckwrap --state-dir st2 --input items.txt --restart never -- ./job.sh
assert_eq 3 "$rc" "second job stops"
run_ckwrap --state-dir st2 --input items.txt -- ./job.sh
assert_eq 0 "$rc" "unchanged input resumes"
assert_eq 10 "$(wc -l < out.txt)" "each item once"
pass "edited input refused with the reason; --resume-anyway accepted"
