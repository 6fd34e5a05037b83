#!/usr/bin/env bash
# A changed command line on resume. --name or --state-dir names the job, so
# the progress goes on with a notice showing the recorded and the new command
# line; the README recipe `ckwrap --name nightly -- ./job "$(date +%F)"`, run
# as printed, resumes the day after a crash. In a directory derived from the
# command another command line is refused (125), both lines shown.
TESTS_DIR=${TESTS_DIR:-$(dirname "$0")}
ROOT=$(cd "$TESTS_DIR/../.." && pwd)
# shellcheck source=lib.sh
. "$TESTS_DIR/lib.sh"

# CKPT 1..6 from the resume position; on its first launch, after CKPT 3, the
# job kills ckwrap (a crash of the machine, as far as the checkpoint knows).
cat > job <<'JOB'
#!/bin/bash
echo "$*" >> launches.txt
start=0
while [ $# -gt 0 ]; do
  if [ "$1" = --resume-from ]; then start=$2; shift; fi
  shift
done
for ((i = start + 1; i <= 6; i++)); do
  echo "CKPT $i" >&3
  if [ "$i" = 3 ] && [ ! -e crashed ]; then
    touch crashed
    echo SYNC 1 >&3 && read -r _ <&4 # durable before the crash
    kill -9 "$PPID"
    exit 1
  fi
done
JOB
chmod +x job
# `date` and `ckwrap` on PATH for the recipe: the day comes from day.txt.
mkdir bin
ln -s "$CKWRAP" bin/ckwrap
printf '#!/bin/sh\ncat "%s/day.txt"\n' "$PWD" > bin/date
chmod +x bin/date
recipe=$(sed -n 's/^    \(ckwrap --name nightly -- .*\)   # .*/\1/p' "$ROOT/README.md")
[ -n "$recipe" ] || fail "README.md has no 'ckwrap --name nightly' recipe"
nightly() { rc=0; PATH="$PWD/bin:$PATH" bash -c "$recipe" 2>ckwrap.err || rc=$?; }

echo 2026-11-30 > day.txt
nightly
assert_eq 137 "$rc" "day 1: ckwrap killed after CKPT 3"
echo 2026-12-01 > day.txt
nightly
assert_eq 0 "$rc" "day 2 resumes despite the new date"
assert_eq "2026-12-01 --resume-from 3" "$(tail -n 1 launches.txt)" "day 2 resumes at 3"
assert_contains ckwrap.err "with a changed command line (--name names the job)" \
  "the notice says why it resumes"
assert_contains ckwrap.err '  recorded: "./job" "2026-11-30"' "the notice shows the recorded line"
assert_contains ckwrap.err '  new:      "./job" "2026-12-01"' "and the new one"
echo 2026-12-02 > day.txt
nightly
assert_eq 0 "$rc" "day 3"
assert_eq "2026-12-02" "$(tail -n 1 launches.txt)" "day 3, after a completed day 2, starts fresh"
nightly
assert_eq "2026-12-02" "$(tail -n 1 launches.txt)" "day 3 again: nothing to do"
assert_eq 3 "$(wc -l < launches.txt)" "one launch a day (day 2 resuming day 1)"
pass "README recipe --name nightly: resumes the day after a crash, with a notice"

# --state-dir vouches the same way.
rm -f crashed
run_ckwrap --state-dir st -- ./job a
assert_eq 137 "$rc" "crash under --state-dir"
run_ckwrap --state-dir st -- ./job b
assert_eq 0 "$rc" "--state-dir: another command line resumes"
assert_contains ckwrap.err "with a changed command line (--state-dir names the job)" "--state-dir notice"
assert_contains ckwrap.err '  recorded: "./job" "a"' "--state-dir notice, recorded line"
assert_eq "b --resume-from 3" "$(tail -n 1 launches.txt)" "resumed at 3"
pass "--state-dir: a changed command line resumes, with a notice"

# The state directory derived from ./job c holding a checkpoint of ./job d
# (as after a hash collision, or a directory copied by hand): refused.
rm -rf .ckwrap crashed
run_ckwrap -- ./job c
derived=$(ls -d .ckwrap/*)
rm -rf "$derived" crashed
run_ckwrap --state-dir "$derived" -- ./job d
assert_eq 137 "$rc" "crash of ./job d"
run_ckwrap -- ./job c
assert_eq 125 "$rc" "a derived directory with another command line's checkpoint is refused"
assert_contains ckwrap.err "the command line differs from the checkpointed run's" "says why"
assert_contains ckwrap.err '  recorded: "./job" "d"' "the refusal shows the recorded line"
assert_contains ckwrap.err '  new:      "./job" "c"' "and the new one"
run_ckwrap --resume-anyway -- ./job c
assert_eq 0 "$rc" "--resume-anyway resumes it"
pass "a derived state directory with another command line: refused, both lines shown"
