#!/usr/bin/env bash
# A job that stops sending records for --stall-timeout is stopped as hung and
# relaunched from its checkpoint.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

cat > job.sh <<'JOB'
#!/bin/bash
start=0
[ "${1:-}" = --resume-from ] && start=$2
echo "$start" >> runs.txt
for ((i = start; i < 10; i++)); do
  echo "CKPT $((i + 1))" >&3
  if [ "$i" = 4 ] && [ ! -e hung ]; then touch hung; exec sleep 600; fi
done
JOB
chmod +x job.sh
run_ckwrap --state-dir st --backoff 0 --stall-timeout 300ms --grace 2s -- ./job.sh
assert_eq 0 "$rc" "finished after the hang"
assert_contains ckwrap.err "stopping it as hung" "hang reported"
assert_eq "0 5" "$(paste -sd' ' runs.txt)" "relaunched from the checkpoint"
pass "hung job detected and relaunched"
