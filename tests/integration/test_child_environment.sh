#!/usr/bin/env bash
# What the job sees: fd 3 and CKWRAP_FD, fd 4 and CKWRAP_ACK_FD (SYNC
# acknowledgements), fd 5 and CKWRAP_SLOT_FD (the checkpoint slot, a memfd),
# no other ckwrap fd, its own process
# group, the caller's ignored signals and mask (and not ckwrap's own), its own
# stdio; and ckwrap works when started with stdin/stdout/stderr closed.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

cat > job.sh <<'JOB'
#!/bin/bash
# A simple command's redirection happens in the forked ls: this lists bash's own fds.
ls /proc/$$/fd > fds.txt
{
  echo "fd=$CKWRAP_FD ack=$CKWRAP_ACK_FD slot=$CKWRAP_SLOT_FD $(readlink /proc/$$/fd/5) attempt=$CKWRAP_ATTEMPT dir=$CKWRAP_STATE_DIR resume=${CKWRAP_RESUME_FROM-unset}"
  echo "pgid=$(ps -o pgid= -p $$ | tr -d ' ') pid=$$"
  # grep's own: bash blocks SIGCHLD in itself while it waits, never in children.
  grep -E '^(SigIgn|SigBlk)' /proc/self/status
} > env.txt
echo "CKPT 1" >&3
JOB
chmod +x job.sh

run_ckwrap --state-dir st -- ./job.sh
assert_eq 0 "$rc" "job status"
assert_contains env.txt "fd=3 ack=4 slot=5 /memfd:ckwrap-checkpoint-slot (deleted) attempt=1 dir=$PWD/st resume=unset" "environment"
assert_eq "0 1 2 3 4 5 255" "$(sort -n fds.txt | paste -sd' ')" "open fds (255 is bash's own)"
read -r pgid pid < <(sed -n 2p env.txt | sed 's/pgid=//; s/pid=//')
assert_eq "$pid" "$pgid" "job leads its own process group"
# ckwrap ignores SIGPIPE for itself; the job must get exactly what ckwrap's
# caller (this shell, and whatever started it) had instead.
caller_ignored=$(sed -n 's/^SigIgn:\t//p' /proc/self/status)  # sed's own, as bash passes on
assert_eq "SigIgn:	$caller_ignored" "$(grep SigIgn env.txt)" "no ignored signals leak"

# What the caller set is passed on: SIGUSR1 (bit 10) ignored, SIGUSR2 blocked.
cat > launcher.py <<'PY'
import os, signal, sys
# Python ignores these itself; put them back so only SIGUSR1 differs.
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
signal.signal(signal.SIGUSR1, signal.SIG_IGN)
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2})
os.execv(sys.argv[1], sys.argv[1:])
PY
if command -v python3 >/dev/null; then
  rm -rf st
  python3 launcher.py "$CKWRAP" --state-dir st -- ./job.sh 2>ckwrap.err
  expected=$(printf '%016x' $((0x$caller_ignored | 0x200)))
  assert_eq "SigIgn:	$expected" "$(grep SigIgn env.txt)" "caller's ignored SIGUSR1 passed on"
  assert_eq "SigBlk:	0000000000000800" "$(grep SigBlk env.txt)" "caller's blocked SIGUSR2 passed on"
fi

# Started with stdin, stdout and stderr closed.
rm -rf st env.txt
rc=0
"$CKWRAP" --state-dir st -- ./job.sh <&- >&- 2>&- || rc=$?
assert_eq 0 "$rc" "closed stdio"
assert_contains env.txt "fd=3" "job ran"
"$CKWRAP" inspect st > inspect.txt
assert_contains inspect.txt "position: 1" "protocol still on fd 3"

# The job's stdio is its own, byte for byte.
printf '#!/bin/sh\ncat\nprintf "err\\n" >&2\n' > cat.sh
chmod +x cat.sh
head -c 100000 /dev/urandom > input.bin
"$CKWRAP" --state-dir st2 -- ./cat.sh < input.bin > output.bin 2>err.txt
cmp input.bin output.bin || fail "stdout not passed through untouched"
assert_eq "err" "$(cat err.txt)" "stderr passed through"
pass "child environment, fds, process group, signals, stdio"
