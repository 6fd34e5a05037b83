#!/usr/bin/env bash
# The state directory's disk stays full while the job floods DONE ids and
# large SYNC tokens (issue 17): every commit fails, so what waits for one
# (ids, journal bytes, tokens) must stop the reading, and the job must block
# on its pipe, however long the disk stays full: ckwrap's memory stays under
# the documented bound (16 MiB above the done set, man/ckwrap.1). Once space
# is back nothing is lost: every id is committed and the job's last SYNC is
# acknowledged. Needs root (mount).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

FULL_SECONDS=10
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"
sanitized=false
if grep -qa __asan_init "$CKWRAP"; then sanitized=true; fi

# rss_kb PID: the resident set of PID now, in KiB.
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# ckwrap's own resident set, measured rather than guessed: the same binary
# supervising a job that waits on a FIFO (code, libraries, and under ASan its
# shadow and runtime: 11 MiB plain, 45 MiB sanitized on the machine of issue 17).
mkfifo idle.fifo
"$CKWRAP" --state-dir idle-state -- sh -c 'touch idle.started; read -r _ < idle.fifo' 2>idle.err &
idle_pid=$!
wait_until 20 test -e idle.started
IDLE_KB=$(rss_kb "$idle_pid")
echo > idle.fifo
wait "$idle_pid" || fail "the idle ckwrap exited $?"
# The bound below grows with this figure, so it must be sane itself: a
# ckwrap that grew at start would otherwise raise its own bound.
IDLE_CAP_KB=$((32 * 1024))
if $sanitized; then IDLE_CAP_KB=$((96 * 1024)); fi
[ "$IDLE_KB" -lt "$IDLE_CAP_KB" ] || fail "an idle ckwrap holds $IDLE_KB KiB (cap $IDLE_CAP_KB)"

# The bound above the done set (16 MiB), plus 4 MiB for the read buffer, the
# allocator's slack and code first run under the flood; under ASan its
# quarantine (4 MiB, set above), shadow and redzones of what is pending add
# 8 MiB. The ids committed before the disk filled fit in 256 KiB. The bug this
# guards grew past 1 GiB.
LIMIT_KB=$((IDLE_KB + (16 + 4) * 1024))
if $sanitized; then LIMIT_KB=$((LIMIT_KB + 8 * 1024)); fi
# Where a broken bound stops the test early, so it never eats the machine.
ABORT_KB=${CKWRAP_TEST_ABORT_KB:-$((LIMIT_KB * 4))}

mkdir disk
if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=256k tmpfs disk 2>/dev/null; then
  echo "SKIP: mounting a tmpfs needs root"
  exit 77
fi
trap 'umount -l "$SCRATCH/disk" 2>/dev/null || true; cleanup' EXIT

# The job: 60 KB SYNC tokens and DONE ids as fast as the pipe takes them
# (few ids: once space is back their snapshot must fit in the tmpfs),
# never waiting for an acknowledgement (a thread drains fd 4), until the file
# "release" appears; then a last SYNC whose acknowledgement it waits for.
cat > flood.py <<'PY'
import os, threading
acks = os.fdopen(int(os.environ["CKWRAP_ACK_FD"]), "rb", buffering=0)
final = threading.Event()
def drain():
    tail = b""
    while not final.is_set():
        data = acks.read(1 << 16)
        if not data:
            return
        tail = (tail + data)[-16:]
        if tail.endswith(b"final\n"):
            final.set()
threading.Thread(target=drain, daemon=True).start()
out = os.fdopen(3, "wb", buffering=0)
token = "t" * 60000
ids = 0
while not os.path.exists("release"):
    lines = [f"DONE id{n:012d}\n" for n in range(ids, ids + 10)]
    ids += 10
    lines.append(f"SYNC {token}\n")
    out.write("".join(lines).encode())
with open("ids", "w") as f:
    f.write(str(ids))
# Space back, the acknowledgements of the tokens come at once: more than the
# pipe holds, so some are dropped (EAGAIN), and the last may be. Asked again.
for _ in range(30):
    out.write(b"SYNC final\n")
    if final.wait(0.5):
        break
else:
    raise SystemExit("the last SYNC was not acknowledged")
PY

# The filler leaves room for the first commits only; the flood's journal
# fills the rest. Removing it frees room for the snapshot of everything.
dd if=/dev/zero of=disk/filler bs=4k count=60 status=none
start_ckwrap --state-dir disk/state --max-restarts 0 -- python3 flood.py
wait_until 20 grep -q "No space left on device" ckwrap.err

peak=0
end=$((SECONDS + FULL_SECONDS))
while [ $SECONDS -lt $end ]; do
  rss=$(rss_kb "$supervisor")
  [ "$rss" -le "$peak" ] || peak=$rss
  [ "$peak" -lt "$ABORT_KB" ] || break
  sleep 0.05
done
echo "peak RSS over ${FULL_SECONDS} s of full disk: $((peak / 1024)) MiB ($peak KiB), idle $IDLE_KB KiB, bound $LIMIT_KB KiB"
[ "$peak" -lt "$LIMIT_KB" ] || fail "peak RSS $((peak / 1024)) MiB with the disk full, bound $((LIMIT_KB / 1024)) MiB"
kill -0 "$supervisor" || fail "ckwrap stopped while the disk was full"

rm disk/filler
touch release
wait_ckwrap 20
[ "$rc" = 0 ] || { tail -n 20 ckwrap.err >&2; fail "ckwrap exited $rc after space came back"; }
ids=$(cat ids)
assert_eq "done: $ids" "$("$CKWRAP" inspect disk/state | grep '^done: ')" "every id committed"
pass "disk full for ${FULL_SECONDS} s under a DONE + SYNC flood: peak RSS $((peak / 1024)) MiB; all $ids ids committed after"
