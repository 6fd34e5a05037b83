#!/usr/bin/env bash
# ckwrap emit: validated records to $CKWRAP_FD, 125 on bad usage, a no-op
# outside ckwrap. ckwrap pending: drops DONE lines (whole line or --field N),
# from $CKWRAP_DONE_FILE or a state directory, streaming, and fast.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# ---- emit ----
for bad in "" "FOO x" "DONE" "CKPT" "PROGRESS x" "COMPLETE now"; do
  rc=0
  # shellcheck disable=SC2086 # the words are the arguments
  CKWRAP_FD=1 "$CKWRAP" emit $bad >out.txt 2>err.txt || rc=$?
  assert_eq 125 "$rc" "emit '$bad' exit status"
  [ ! -s out.txt ] || fail "emit '$bad' wrote a record"
  assert_contains err.txt "usage: ckwrap emit" "emit '$bad' message"
done
rc=0
CKWRAP_FD=1 "$CKWRAP" emit DONE "$(printf '%04092d' 0)" >out.txt 2>err.txt || rc=$?
assert_eq 125 "$rc" "a 4098-byte record is refused"
assert_contains err.txt "PIPE_BUF" "over-long record message"
assert_eq "DONE a b c" "$(CKWRAP_FD=1 "$CKWRAP" emit DONE "a b" c)" "arguments joined by one space"
assert_eq "" "$(env -u CKWRAP_FD "$CKWRAP" emit DONE x 3>&1)" "no CKWRAP_FD: nothing written"
env -u CKWRAP_FD "$CKWRAP" emit DONE x || fail "no CKWRAP_FD: exit 0"
cat > emitter.sh <<'JOB'
#!/bin/sh
"$CKWRAP" emit CKPT 7
"$CKWRAP" emit DONE "id with spaces"
"$CKWRAP" emit STATE k v
"$CKWRAP" emit FAIL x why
JOB
chmod +x emitter.sh
export CKWRAP
run_ckwrap --state-dir s -- ./emitter.sh
assert_eq 0 "$rc" "emitter under ckwrap"
"$CKWRAP" inspect s > inspect.txt
for want in "position: 7" "done: 1" "  x: why" "  k = v"; do assert_contains inspect.txt "$want" emit; done
pass "emit"

# ---- pending ----
printf 'a\nb b\nc\n' > done.txt
printf 'a\nb b\nc\r\nd\ne' > in.txt
assert_eq "$(printf 'd\ne')" "$(CKWRAP_DONE_FILE=done.txt "$CKWRAP" pending < in.txt)" \
  "whole-line ids, CRLF, last line without newline"
assert_eq "$(printf 'a\nb b\nc\r\nd\ne')" "$(env -u CKWRAP_DONE_FILE "$CKWRAP" pending < in.txt)" \
  "no done set: every line passes"
printf '1\ta\tx\n2 c y\n3  d z\n4\n' > fields.txt
assert_eq "$(printf '3  d z\n4')" "$(CKWRAP_DONE_FILE=done.txt "$CKWRAP" pending --field 2 < fields.txt)" \
  "--field 2 (spaces or tabs)"
for bad in "--field 0" "--field x" "--field" "a b" "--nope"; do
  rc=0
  # shellcheck disable=SC2086
  "$CKWRAP" pending $bad </dev/null 2>err.txt || rc=$?
  assert_eq 125 "$rc" "pending $bad"
done
rc=0
CKWRAP_DONE_FILE=missing.txt "$CKWRAP" pending </dev/null 2>err.txt || rc=$?
assert_eq 125 "$rc" "missing done file"
assert_contains err.txt "missing.txt" "the message names the done file"

# From a state directory (a job that stopped part-way), read-only.
cat > partial.sh <<'JOB'
#!/bin/sh
for i in 1 3 5; do "$CKWRAP" emit DONE "$i"; done
exit 3
JOB
chmod +x partial.sh
run_ckwrap --max-restarts 0 --state-dir p -- ./partial.sh
assert_eq 3 "$rc" "partial job"
ls p > before.txt
assert_eq "2 4 6" "$(seq 1 6 | "$CKWRAP" pending p | tr '\n' ' ' | sed 's/ $//')" "done set from STATE_DIR"
ls p > after.txt
cmp before.txt after.txt || fail "pending changed the state directory"
# A state directory that does not exist (a typo): an error, not every id.
rc=0
seq 1 6 | "$CKWRAP" pending q > typo.txt 2>err.txt || rc=$?
assert_eq 125 "$rc" "pending on a missing state directory"
assert_contains err.txt "state directory q does not exist" "the message names it"
assert_eq 0 "$(wc -l < typo.txt)" "no id passes"

# Streaming: a line comes out before the input ends.
mkfifo in.fifo out.fifo
CKWRAP_DONE_FILE=done.txt "$CKWRAP" pending < in.fifo > out.fifo &
exec 7>in.fifo 8<out.fifo
printf 'a\nzz\n' >&7
read -r -t 10 line <&8 || fail "pending held back a line until end of input"
assert_eq zz "$line" "streamed line"
exec 7>&- 8<&-
wait
pass "pending: fields, CRLF, state dir, streaming"

# 1M ids against a 1M-id done set (every other id done): exact count, and
# the time it took (seconds, printed; bounded generously).
seq 1 2 2000000 | sed 's/^/id-/' > big_done.txt
seq 1 1000000 | sed 's/^/id-/' > big_in.txt
start=$(date +%s%N)
CKWRAP_DONE_FILE=big_done.txt "$CKWRAP" pending < big_in.txt > big_out.txt
ms=$((($(date +%s%N) - start) / 1000000))
assert_eq 500000 "$(wc -l < big_out.txt)" "1M ids vs 1M done: pending count"
assert_eq "id-2" "$(head -1 big_out.txt)" "first pending id"
echo "1M ids against 1M done ids: ${ms} ms"
[ "$ms" -lt 30000 ] || fail "pending took ${ms} ms for 1M ids against 1M done"
pass "pending: 1M vs 1M in ${ms} ms"
