#!/usr/bin/env bash
# The input fingerprint covers the set of --input files, not only each file's
# content (ckwrap(1), --input): resuming with an input dropped or added is
# refused (125) naming that file, with the job's command line unchanged; an
# input only touched (same bytes, new modification time) is refused as such;
# --resume-anyway records the new fingerprints, so the next resume against
# them goes ahead without it, and inspect lists them.
TESTS_DIR=${TESTS_DIR:-$(dirname "$0")}
# shellcheck source=lib.sh
source "$TESTS_DIR/lib.sh"

# Goes through a.txt, one CKPT per item; exits 3 after the item named in
# crash-at, once (it removes the file); logs each launch.
cat > job.sh <<'JOB'
#!/bin/bash
echo "launched with: $*" >> launches.txt
start=0
[ "${1:-}" = --resume-from ] && start=$2
mapfile -t items < a.txt
for ((i = start; i < ${#items[@]}; i++)); do
  echo "CKPT $((i + 1))" >&3
  if [ -e crash-at ] && [ "$((i + 1))" = "$(cat crash-at)" ]; then rm crash-at; exit 3; fi
done
exit 0
JOB
chmod +x job.sh
seq 1 10 > a.txt
seq 1 5 > b.txt
echo 3 > crash-at

launches() { wc -l < launches.txt; }

run_ckwrap --state-dir st --input a.txt --input b.txt --restart never -- ./job.sh
assert_eq 3 "$rc" "first run stops resumable"
assert_eq 3 "$(checkpoint_position st)" "checkpoint after the crash"

# b.txt dropped from the inputs: same job, same command line.
run_ckwrap --state-dir st --input a.txt -- ./job.sh
assert_eq 125 "$rc" "resume with an input dropped"
assert_contains ckwrap.err "refusing to resume" "refusal"
assert_contains ckwrap.err "input b.txt: an input of the checkpointed run, not of this one" "the dropped input named"
grep -qF "command line differs" ckwrap.err && fail "an --input change taken for a command change"

# c.txt added (CKWRAP_INPUT is one more input).
seq 1 2 > c.txt
CKWRAP_INPUT=c.txt run_ckwrap --state-dir st --input a.txt --input b.txt -- ./job.sh
assert_eq 125 "$rc" "resume with an input added"
assert_contains ckwrap.err "input c.txt: not an input of the checkpointed run" "the added input named"

# b.txt only touched (same size and bytes, another modification time), the
# inputs given in another order: only the touch is a difference.
touch -d '2001-02-03 04:05:06' b.txt
run_ckwrap --state-dir st --input b.txt --input a.txt -- ./job.sh
assert_eq 125 "$rc" "resume after a touch"
assert_eq "input b.txt: modification time changed" "$(grep '^input ' ckwrap.err)" \
  "only b.txt's modification time named"
assert_eq 1 "$(launches)" "the job never ran on a refused resume"

# --resume-anyway with b.txt dropped and c.txt added: records them. It
# crashes again (after item 5) and the next resume, against the new set, needs
# no override.
echo 5 > crash-at
run_ckwrap --state-dir st --input a.txt --input c.txt --resume-anyway --restart never -- ./job.sh
assert_eq 3 "$rc" "the overridden run crashes again"
assert_contains ckwrap.err "resuming despite changes (--resume-anyway)" "override logged"
assert_eq "launched with: --resume-from 3" "$(tail -n 1 launches.txt)" "resumed at 3"
"$CKWRAP" inspect st > inspect.txt
assert_contains inspect.txt "input: a.txt" "inspect lists a.txt"
assert_contains inspect.txt "input: c.txt" "inspect lists c.txt"
grep -qF "b.txt" inspect.txt && fail "b.txt still recorded as an input: $(cat inspect.txt)"
run_ckwrap --state-dir st --input a.txt --input c.txt -- ./job.sh
assert_eq 0 "$rc" "resume against the recorded new inputs"
grep -qF "refusing" ckwrap.err && fail "refused after --resume-anyway recorded the inputs"
assert_eq "launched with: --resume-from 5" "$(tail -n 1 launches.txt)" "resumed at 5"
pass "input set changes (dropped, added, touched) refused with the file named; --resume-anyway records the new set"
