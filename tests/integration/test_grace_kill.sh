#!/usr/bin/env bash
# A job that ignores SIGTERM is SIGKILLed after --grace; ckwrap still exits 75.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

mkfifo ready
cat > job.sh <<'JOB'
#!/bin/bash
trap '' TERM
echo go > ready
while :; do sleep 0.05; done
JOB
chmod +x job.sh
"$CKWRAP" --grace 200ms --state-dir st -- ./job.sh 2>ckwrap.err &
supervisor=$!
read -r _ < ready
kill -TERM "$supervisor"
rc=0
wait "$supervisor" || rc=$?
assert_eq 75 "$rc" "stopped status"
assert_contains ckwrap.err "did not stop within the grace period" "grace reported"
pass "ignored SIGTERM escalates to SIGKILL"
