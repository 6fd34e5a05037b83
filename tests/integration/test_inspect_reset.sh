#!/usr/bin/env bash
# inspect decodes and verifies (non-zero on a bad file, with the reason);
# reset forgets progress so the next run starts fresh; success retires the
# checkpoint so the next run starts fresh too.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

cat > job.sh <<'JOB'
#!/bin/bash
echo "${*:-fresh}" >> launches.txt
echo "CKPT 9" >&3
echo "DONE x" >&3
[ "${1:-}" = --resume-from ] || exit 1
JOB
chmod +x job.sh

run_ckwrap --state-dir st --max-restarts 0 -- ./job.sh
assert_eq 1 "$rc" "failed run"
"$CKWRAP" inspect --json st > out.json
assert_contains out.json '"position":"9"' "json position"
assert_contains out.json '"complete":false' "json complete"
printf 'not a checkpoint' > bogus
rc=0; "$CKWRAP" inspect bogus 2>err.txt || rc=$?
[ "$rc" -ne 0 ] || fail "inspect accepted garbage"
assert_contains err.txt "bogus" "inspect names the file"

run_ckwrap reset st
assert_eq 0 "$rc" "reset"
run_ckwrap --state-dir st --max-restarts 0 -- ./job.sh
assert_eq "fresh fresh" "$(paste -sd' ' launches.txt)" "reset run starts fresh"

run_ckwrap --state-dir st --backoff 0 -- ./job.sh
assert_eq 0 "$rc" "resumed run succeeds"
"$CKWRAP" inspect st > out.txt
assert_contains out.txt "complete: yes" "completion marker"
run_ckwrap --state-dir st --max-restarts 0 -- ./job.sh
assert_eq "fresh" "$(tail -n 1 launches.txt)" "after success the next run starts fresh"
run_ckwrap reset no-such-dir
assert_eq 125 "$rc" "reset of a missing dir"
pass "inspect, reset, completion"
