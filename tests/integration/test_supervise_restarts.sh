#!/usr/bin/env bash
# Progress-aware restarts: a job stuck at the same position gives up after K
# runs with status 76 naming the position; one that crashes often but
# advances finishes; --no-restart-on and --restart never/always.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

cat > poison.sh <<'JOB'
#!/bin/bash
start=0
[ "${1:-}" = --resume-from ] && start=$2
echo "$start" >> runs.txt
for ((i = start; i < 100; i++)); do
  [ "$i" = 42 ] && kill -9 $$   # the poison item
  echo "CKPT $((i + 1))" >&3
done
JOB
chmod +x poison.sh
run_ckwrap --state-dir st1 --backoff 0 --no-progress-limit 3 -- ./poison.sh
assert_eq 76 "$rc" "gave up"
assert_contains ckwrap.err "stuck at position 42" "names the stuck position"
# The first run advanced; then 3 runs in a row committed nothing new.
assert_eq "0 42 42 42" "$(paste -sd' ' runs.txt)" "runs"

# A job that fails before its first record: not "stuck at no position".
printf '#!/bin/sh
exit 1
' > early.sh
chmod +x early.sh
run_ckwrap --state-dir st0 --backoff 0 --no-progress-limit 2 -- ./early.sh
assert_eq 76 "$rc" "a job that never sends a record gives up"
assert_contains ckwrap.err "no record from the job in 2 attempts: it fails before its first CKPT" \
  "says the job never sent a record"
assert_contains ckwrap.err "the next run starts from the beginning" "and where the next run starts"
assert_not_contains ckwrap.err "stuck at no position" "no 'stuck at no position'"

cat > flaky.sh <<'JOB'
#!/bin/bash
start=0
[ "${1:-}" = --resume-from ] && start=$2
for ((i = start; i < 200; i++)); do
  echo "CKPT $((i + 1))" >&3
  # Crash every 10 items: 20 crashes, far more than any limit below.
  [ $(( (i + 1) % 10 )) = 0 ] && [ ! -e "crashed.$i" ] && { touch "crashed.$i"; exit 1; }
done
exit 0
JOB
chmod +x flaky.sh
run_ckwrap --state-dir st2 --backoff 0 --no-progress-limit 2 --max-restarts 2 -- ./flaky.sh
assert_eq 0 "$rc" "a job that advances finishes"
assert_eq 20 "$(ls crashed.* | wc -l)" "crashes survived"

printf '#!/bin/sh\necho ran >> ran.txt\nexit 64\n' > usage_error.sh
chmod +x usage_error.sh
run_ckwrap --state-dir st3 --backoff 0 --no-restart-on 2,64 -- ./usage_error.sh
assert_eq 64 "$rc" "do-not-retry code"
assert_eq 1 "$(wc -l < ran.txt)" "not relaunched"
rm ran.txt
run_ckwrap --state-dir st4 --backoff 0 --restart never -- ./usage_error.sh
assert_eq 64 "$rc" "--restart never"
assert_eq 1 "$(wc -l < ran.txt)" "not relaunched"

cat > daily.sh <<'JOB'
#!/bin/bash
echo run >> always.txt
n=$(wc -l < always.txt)
echo "CKPT $n" >&3
[ "$n" = 3 ] && echo COMPLETE >&3
exit 0
JOB
chmod +x daily.sh
run_ckwrap --state-dir st5 --backoff 0 --restart always -- ./daily.sh
assert_eq 0 "$rc" "always: stops on COMPLETE"
assert_eq 3 "$(wc -l < always.txt)" "always relaunched after exit 0 until COMPLETE"
pass "no-progress give-up, advancing job, no-restart-on, restart modes"
