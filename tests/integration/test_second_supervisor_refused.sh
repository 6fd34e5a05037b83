#!/usr/bin/env bash
# One supervisor per state directory: a second is refused at once, naming the
# pid; a lock left by a SIGKILLed ckwrap does not block the next run.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# One pair of fifos per round: reopening a fifo can meet the previous
# writer still closing it, and the reader then sees EOF instead of the line.
mkfifo started1 release1 started2 release2
cat > job.sh <<'JOB'
#!/bin/bash
echo started > "started$ROUND"
read -r _ < "release$ROUND"
JOB
chmod +x job.sh

export ROUND=1
"$CKWRAP" --state-dir st -- ./job.sh 2>first.err &
first=$!
read -r _ < started1
run_ckwrap --state-dir st -- ./job.sh
assert_eq 125 "$rc" "second supervisor"
assert_contains ckwrap.err "in use by another ckwrap (pid $first)" "names the holder"
echo go > release1
wait "$first" || fail "first supervisor failed"

# Killed holder: the lock dies with it (the job completed in round 1: rerun).
export ROUND=2
"$CKWRAP" --state-dir st --on-complete rerun -- ./job.sh 2>first.err &
first=$!
read -r _ < started2
kill -9 "$first"
wait "$first" 2>/dev/null || true
echo go > release2  # lets the orphaned job end
printf '#!/bin/sh\nexit 0\n' > ok.sh
chmod +x ok.sh
# (A different command on the same state: it resumes, --state-dir naming the job.)
run_ckwrap --state-dir st -- ./ok.sh
assert_eq 0 "$rc" "run after a killed holder"
pass "second supervisor refused; stale lock ignored"
