#!/usr/bin/env bash
# --commit-interval spaces the commits of a job that checkpoints all the
# time, yet delays nothing anyone waits for: the spaced commit still comes by
# itself, a SYNC is acknowledged at once, and the run's end is committed at once.
TESTS_DIR=${TESTS_DIR:-$(dirname "$0")}
SHIM_DIR=$(cd "$TESTS_DIR/../../shim" && pwd)
# shellcheck source=lib.sh
. "$TESTS_DIR/lib.sh"

# 300 CKPT lines, each its own write, a few ms apart (pacing, not waiting).
cat > paced.sh <<'JOB'
#!/bin/bash
for i in $(seq 300); do
  echo "CKPT $i" >&3
  sleep 0.004
done
JOB
chmod +x paced.sh

commits() { grep -c '"event":"commit"' "$1"; }

run_ckwrap --events every.jsonl --commit-interval 0 --state-dir st0 -- ./paced.sh
assert_eq 0 "$rc" "paced job, no interval"
every=$(commits every.jsonl)

started_ms=$(date +%s%3N)
run_ckwrap --events spaced.jsonl --commit-interval 400ms --state-dir st1 -- ./paced.sh
assert_eq 0 "$rc" "paced job, 400 ms interval"
run_ms=$(($(date +%s%3N) - started_ms))
spaced=$(commits spaced.jsonl)
# One commit per 400 ms of the run (1.2 s idle, far more on a loaded machine),
# plus the first, the last and the attempt count.
bound=$((run_ms / 400 + 6))
[ "$spaced" -le "$bound" ] ||
  fail "with a 400 ms interval: $spaced commits in $run_ms ms, more than $bound (without: $every)"
# Without an interval a commit follows each line or each fdatasync: many more
# (a relative bound: a slow disk groups more lines per commit).
[ "$every" -gt $((2 * spaced)) ] || fail "without an interval only $every commits (with: $spaced)"
assert_eq 300 "$(checkpoint_position st1)" "the last position is committed"

# The spaced commit comes without help: the job waits for its last position
# to reach the disk, asking nothing.
cat > waits.sh <<JOB
#!/bin/bash
echo "CKPT 1" >&3
sleep 0.05
echo "CKPT 2" >&3
deadline=\$((SECONDS + 20))
until [ "\$("$CKWRAP" inspect --field position "\$CKWRAP_STATE_DIR" 2>/dev/null)" = 2 ]; do
  [ \$SECONDS -lt \$deadline ] || exit 9
  sleep 0.01
done
JOB
chmod +x waits.sh
run_ckwrap --restart never --commit-interval 1s --state-dir st2 -- ./waits.sh
assert_eq 0 "$rc" "the delayed commit landed while the job waited"

# An hour's interval delays neither a SYNC (the shim gives up after 20 s and
# the job exits 9) nor the commit at the run's end.
cat > syncs.sh <<JOB
#!/bin/bash
. "$SHIM_DIR/ckwrap.sh"
ck_checkpoint 1
ck_checkpoint --sync 2 || exit 9
[ "\$("$CKWRAP" inspect --field position "\$CKWRAP_STATE_DIR")" = 2 ] || exit 8
ck_checkpoint 3
JOB
chmod +x syncs.sh
start=$SECONDS
CKWRAP_SYNC_TIMEOUT=20 run_ckwrap --restart never --commit-interval 1h --state-dir st3 -- ./syncs.sh
assert_eq 0 "$rc" "SYNC acknowledged and durable despite the interval"
assert_eq 3 "$(checkpoint_position st3)" "the run's end committed"
[ $((SECONDS - start)) -lt 20 ] || fail "the run took $((SECONDS - start)) s"

# A bad value names the option.
run_ckwrap --commit-interval soon -- true
assert_eq 125 "$rc" "bad --commit-interval"
assert_contains ckwrap.err "--commit-interval" "the option named"
pass "commit interval: $every commits without, $spaced with 400 ms"
