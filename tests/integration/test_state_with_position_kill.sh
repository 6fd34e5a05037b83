#!/usr/bin/env bash
# STATE and CKPT sent in one write are committed together (issue 16): a job
# keeping a running total with the shell shim's ck_checkpoint_with_state is
# killed (SIGKILL) at random moments, 12 times; every resume finds the total
# of exactly the rows before its position. With two calls (ck_state, then
# ck_checkpoint) a kill between them resumes with the new total at the old
# position and counts a row twice (CK_SPLIT=1 shows it). The Python shim's
# checkpoint(pos, state=...) commits the same pair.
TESTS_DIR=${TESTS_DIR:-$(dirname "$0")}
SHIM_DIR=$(cd "$TESTS_DIR/../../shim" && pwd)
# shellcheck source=lib.sh
. "$TESTS_DIR/lib.sh"
export SHIM_DIR

cat > total.sh <<'JOB'
#!/bin/sh
. "$SHIM_DIR/ckwrap.sh"
i=$(ck_resume_from 0)
t=0
[ -n "${CKWRAP_STATE_FILE:-}" ] && t=$(sed -n 's/.*"total":"\([0-9]*\)".*/\1/p' "$CKWRAP_STATE_FILE")
t=${t:-0}
# The total of rows 1..i, and nothing else.
[ "$t" = $((i * (i + 1) / 2)) ] || { echo "resumed at $i with total $t" >> mismatches; exit 3; }
echo "$$" > pid.tmp && mv pid.tmp pid
while [ ! -e stop ]; do
  i=$((i + 1))
  t=$((t + i))
  if [ -n "${CK_SPLIT:-}" ]; then
    ck_state total "$t"
    ck_checkpoint "$i"
  else
    ck_checkpoint_with_state "$i" total "$t"
  fi
done
JOB
chmod +x total.sh

# A new job is running (it wrote its pid), or one found a mismatch.
relaunched() {
  [ -e mismatches ] || { [ -s pid ] && [ "$(cat pid)" != "$last" ]; }
}

"$CKWRAP" --state-dir st --backoff 0 --no-progress-limit 0 --no-restart-on 3 -- ./total.sh \
  2> ckwrap.err &
supervisor=$!
last=
kills=0
while [ "$kills" -lt 12 ]; do
  wait_until 10 relaunched
  [ -e mismatches ] && break
  last=$(cat pid)
  sleep "0.0$((RANDOM % 5 + 1))"
  kill -9 "$last"
  kills=$((kills + 1))
done
touch stop
rc=0
wait "$supervisor" || rc=$?
[ ! -e mismatches ] || fail "after $kills kills: $(cat mismatches)"
assert_eq 0 "$rc" "the job finishes once told to stop"
assert_eq 12 "$(grep -c "resuming from" ckwrap.err)" "12 kills, each resumed"

# Python: checkpoint(pos, state=...) sends the STATE records and the CKPT.
cat > total.py <<'JOB'
import ckwrap
ckwrap.checkpoint(3, state={"total": 6, "rows": "1-3"})
raise SystemExit(1)
JOB
PYTHONPATH="$SHIM_DIR" "$CKWRAP" --state-dir py --restart never -- python3 total.py 2> py.err || true
"$CKWRAP" inspect py > py.txt
assert_contains py.txt "position: 3" "the position"
assert_contains py.txt "total = 6" "with its STATE"
assert_contains py.txt "rows = 1-3" "every STATE"
pass "STATE and position always agree on resume after 12 random kills"
