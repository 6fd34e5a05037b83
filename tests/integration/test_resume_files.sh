#!/usr/bin/env bash
# A resumed child gets CKWRAP_DONE_FILE (its DONE ids, one per line) and
# CKWRAP_STATE_FILE (STATE as JSON); a fresh one gets neither (not even
# inherited); if the files cannot be written, ckwrap stops with 125 naming
# the file rather than launching the child without them.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

cat > job.sh <<'JOB'
#!/bin/bash
n=${CKWRAP_ATTEMPT}
echo "done_file=${CKWRAP_DONE_FILE-unset} state_file=${CKWRAP_STATE_FILE-unset}" > "env.$n"
[ -n "${CKWRAP_DONE_FILE-}" ] && sort "$CKWRAP_DONE_FILE" > "done.$n" && cp "$CKWRAP_STATE_FILE" "state.$n"
case $n in
  1) echo "DONE a" >&3; echo "DONE b c" >&3; echo 'STATE k v "q"' >&3; exit 1 ;;
  2) echo "DONE d" >&3; echo "STATE n 2" >&3; exit 1 ;;
esac
exit 0
JOB
chmod +x job.sh

CKWRAP_DONE_FILE=/inherited CKWRAP_STATE_FILE=/inherited run_ckwrap --backoff 0 --state-dir s -- ./job.sh
assert_eq 0 "$rc" "exit status"
S=$SCRATCH/s
assert_eq "done_file=unset state_file=unset" "$(cat env.1)" "fresh launch: no resume files"
assert_eq "done_file=$S/done.txt state_file=$S/state.json" "$(cat env.2)" "resumed launch"
assert_eq "$(printf 'a\nb c')" "$(cat done.2)" "done file after attempt 1"
assert_eq '{"k":"v \"q\""}' "$(cat state.2)" "state file after attempt 1"
assert_eq "$(printf 'a\nb c\nd')" "$(cat done.3)" "done file after attempt 2"
assert_eq '{"k":"v \"q\"","n":"2"}' "$(cat state.3)" "state file after attempt 2"
assert_eq "600" "$(stat -c %a s/done.txt)" "done file mode"
# The done.txt each launch replaced kept a second name until the launch.
assert_eq "" "$(find s -name '.tmp.*')" "no replaced done file is left"
pass "resume files on resumed launches only"

# One left by a crash between the replace and the launch goes at the next start.
ln s/done.txt s/.tmp.done.txt.replaced
run_ckwrap --backoff 0 --state-dir s -- true
assert_eq 0 "$rc" "exit status"
assert_eq "" "$(find s -name '.tmp.*')" "a leftover replaced done file is removed"
pass "a replaced done file left by a crash is removed"

# done.txt cannot be replaced (a non-empty directory is in the way).
rm -f env.* done.* state.*
cat > crash.sh <<'JOB'
#!/bin/bash
echo "$CKWRAP_ATTEMPT" >> launches
echo "DONE a" >&3
exit 1
JOB
chmod +x crash.sh
mkdir -p f/done.txt/blocker
run_ckwrap --backoff 0 --state-dir f -- ./crash.sh
assert_eq 125 "$rc" "exit status when the done file cannot be written"
assert_eq 1 "$(wc -l < launches)" "the child is not relaunched without its done file"
assert_contains ckwrap.err "f/done.txt" "the message names the file"
"$CKWRAP" inspect f | grep -qx 'done: 1' || fail "the DONE record is still committed"
pass "a resume file write failure stops ckwrap with 125"
