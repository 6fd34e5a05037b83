# One supervisor per state directory: a second is refused at once, naming the
# pid; a lock left by a SIGKILLed ckwrap does not block the next run.
. "$(dirname "$0")/lib.sh"

mkfifo started release
cat > job.sh <<'JOB'
#!/bin/bash
echo started > started
read -r _ < release
JOB
chmod +x job.sh

"$CKWRAP" --state-dir st -- ./job.sh 2>first.err &
first=$!
read -r _ < started
run_ckwrap --state-dir st -- ./job.sh
assert_eq 125 "$rc" "second supervisor"
assert_contains ckwrap.err "in use by another ckwrap (pid $first)" "names the holder"
echo go > release
wait "$first" || fail "first supervisor failed"

# Killed holder: the lock dies with it.
"$CKWRAP" --state-dir st -- ./job.sh 2>first.err &
first=$!
read -r _ < started
kill -9 "$first"
wait "$first" 2>/dev/null || true
echo go > release  # lets the orphaned job end
printf '#!/bin/sh\nexit 0\n' > ok.sh
chmod +x ok.sh
run_ckwrap --state-dir st -- ./ok.sh
assert_eq 0 "$rc" "run after a killed holder"
pass "second supervisor refused; stale lock ignored"
