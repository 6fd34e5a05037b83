#!/usr/bin/env bash
# A job that waits for each SYNC's acknowledgement is not held back by the
# pause between reads of fd 3 (read coalescing): once ckwrap has acknowledged,
# the job's next record is read at once, and so is the SYNC written right
# after it, whether in the same write or in a separate one a moment later.
# With --sync none a round trip costs well under a millisecond; a 2 ms pause
# per round trip gives a floor of ROUNDS x 2 ms, which this test rejects with
# a wide margin either way.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

ROUNDS=400
# rounds.py N GAP: N times DONE then SYNC, GAP seconds apart (0: one write),
# each SYNC's acknowledgement read before the next DONE.
cat > rounds.py <<'PY'
import os, sys, time
rounds, gap = int(sys.argv[1]), float(sys.argv[2])
acks = os.fdopen(int(os.environ["CKWRAP_ACK_FD"]), "rb", buffering=0)
fd = int(os.environ["CKWRAP_FD"])
pending = b""
start = time.monotonic()
for i in range(rounds):
    if gap > 0:
        os.write(fd, f"DONE item{i}\n".encode())
        time.sleep(gap)
        os.write(fd, f"SYNC t{i}\n".encode())
    else:
        os.write(fd, f"DONE item{i}\nSYNC t{i}\n".encode())
    want = f"t{i}\n".encode()
    while want not in pending:
        chunk = acks.read(4096)
        if not chunk:
            sys.exit(7)
        pending += chunk
    pending = pending[pending.index(want) + len(want):]
with open("elapsed", "w") as f:
    f.write(f"{time.monotonic() - start:.3f}\n")
PY

# The bug's floor is ROUNDS x 2 ms = 0.8 s on every try; unhindered ~0.03 s
# (gap 0) or ~0.15 s (gap 0.2 ms). A loaded machine can slow one try past the
# limit (seen: 0.77 s with two test suites sharing two cores), never all
# three: the best of three is judged.
for gap in 0 0.0002; do
  times=""
  for try in 1 2 3; do
    rm -rf st elapsed
    run_ckwrap --quiet --sync none --restart never --state-dir st -- python3 rounds.py $ROUNDS $gap
    assert_eq 0 "$rc" "gap $gap: the job got every acknowledgement"
    elapsed=$(cat elapsed)
    times="$times $elapsed"
    python3 -c "import sys; sys.exit(0 if float('$elapsed') < $ROUNDS * 0.0015 else 1)" && break
    [ "$try" = 3 ] &&
      fail "gap $gap: $ROUNDS SYNC round trips took$times s: the pause between reads delays a job waiting on its acknowledgement"
  done
  pass "gap $gap: $ROUNDS SYNC round trips in$times s"
done
