#!/usr/bin/env bash
# --requeue-on USR1 outside Slurm: USR1 stops the job as TERM does (the
# checkpoint signal first), ckwrap exits 75 and says why it requeued nothing.
# test_engine_slurm.sh runs the real requeue.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

mkfifo ready
cat > job.sh <<'JOB'
#!/bin/bash
i=0
trap 'echo "CKPT $i" >&3; echo usr1 >> signals' USR1
trap 'echo term >> signals; exit 143' TERM
echo $$ > ready
for ((; ; i++)); do sleep 0.01 & wait $!; done
JOB
chmod +x job.sh
env -u SLURM_JOB_ID "$CKWRAP" --state-dir st --requeue-on USR1 --checkpoint-signal USR1 \
  -- ./job.sh 2>ckwrap.err &
ckwrap=$!
read -r _ < ready
kill -USR1 "$ckwrap"
rc=0
wait "$ckwrap" || rc=$?
assert_eq 75 "$rc" "a requeue signal stops the job with 75"
assert_eq "usr1 term" "$(tr '\n' ' ' < signals | sed 's/ $//')" "the checkpoint signal, then TERM"
assert_contains ckwrap.err "not requeued: SLURM_JOB_ID is not set" "the reason there is no requeue"
[ -n "$(checkpoint_position st)" ] || fail "the checkpoint is kept"
run_ckwrap --requeue-on TERM -- true
assert_eq 125 "$rc" "--requeue-on TERM is refused"
pass "--requeue-on stops as TERM does and says why nothing was requeued"
