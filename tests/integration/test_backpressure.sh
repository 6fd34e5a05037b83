#!/usr/bin/env bash
# Bounded memory under a flood (backpressure): a job floods records faster
# than the disk takes them, through fd 3, through its stdout (--protocol-on
# stdout) and through a progress file (also one ckwrap watch finds already
# written, of DONE lines). ckwrap stops reading each of them
# while 4 MiB of records wait for a commit (the pipe holds the job back, the
# file waits), so its peak memory stays far below the flood, and no record
# is lost. The slow disk is slow_fsync (LD_PRELOAD, built with the tests): it
# stalls every sync for STALL_MS after ckwrap's first one, time enough for an
# unbounded reader to take in the whole flood.
: "${SLOW_FSYNC:?set SLOW_FSYNC to the slow_fsync preload library}"
SLOW_FSYNC=$(realpath "$SLOW_FSYNC")  # lib.sh moves to a scratch directory
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

LINES=1000000  # about 182 MiB of STATE records (each a journal record: the value changes), 1.5x the limit
STALL_MS=3000
LIMIT_KB=$((120 * 1024))
# Under ASan: the uninstrumented library is preloaded before the runtime, and
# freed buffers in ASan's quarantine (256 MiB by default) are not ckwrap's.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0:quarantine_size_mb=16"

# flood.py WHERE PREFIX LINES [one-id]: the job; WHERE is fd3, stdout or a file
# to append to. Each line a STATE k with a new value, or (one-id) all but the
# last DONE of one long id, which are no journal records but wait in the
# supervisor's batch of DONE ids.
cat > flood.py <<'PY'
import os, sys
where, prefix, lines = sys.argv[1], sys.argv[2], int(sys.argv[3])
done = sys.argv[4:] == ["one-id"]
if where in ("fd3", "stdout"):
    out = os.fdopen(3 if where == "fd3" else 1, "wb", buffering=1 << 20)
else:
    out = open(where, "ab", buffering=1 << 20)
pad = "x" * 170
def line(i):
    if done and i < lines - 1:
        return f"{prefix}DONE {pad}\n"
    return f"{prefix}STATE k {pad}{i:012d}\n"
for start in range(0, lines, 10000):
    out.write("".join(line(i) for i in range(start, min(start + 10000, lines))).encode())
out.close()
PY
# peak.py FILE COMMAND...: runs COMMAND and writes the peak RSS (KiB) of it and
# of what it waited for (ckwrap, then its small job) to FILE.
cat > peak.py <<'PY'
import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as f:
    print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=f)
sys.exit(rc)
PY
last_value() {
  "$CKWRAP" inspect --json "$1" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["checkpoint"]["state"]["k"][-12:])'
}

# flood NAME RECORDS [watch] CKWRAP_OPTION...: one run on the slow disk, then its checks.
flood() {
  local name=$1 expected=$2 peak records subcommand=()
  shift 2
  if [ "$1" = watch ]; then
    subcommand=(watch)
    shift
  fi
  rc=0
  python3 peak.py "$name.peak" env LD_PRELOAD="$SLOW_FSYNC" CKWRAP_TEST_FSYNC_STALL_MS=$STALL_MS \
    CKWRAP_TEST_FSYNC_STALLED="$PWD/$name.stalled" \
    "$CKWRAP" "${subcommand[@]}" --state-dir "$name" "$@" > "$name.out" 2> "$name.err" || rc=$?
  [ "$rc" = 0 ] || { cat "$name.err" >&2; fail "$name: ckwrap exited with $rc"; }
  [ -e "$name.stalled" ] || { cat "$name.err" >&2; fail "$name: the disk did not stall (preload?)"; }
  records=$("$CKWRAP" inspect --field records "$name")
  assert_eq "$expected" "$records" "$name: records committed (every line applied once)"
  assert_eq "$(printf %012d $((LINES - 1)))" "$(last_value "$name")" "$name: the last value"
  peak=$(cat "$name.peak")
  [ "$peak" -lt "$LIMIT_KB" ] ||
    fail "$name: peak RSS $((peak / 1024)) MiB, limit $((LIMIT_KB / 1024)) MiB: the flood was buffered, not held back"
  pass "$name: $records records, none lost; peak RSS $((peak / 1024)) MiB"
}

# The file's cursor as committed, and the file's size.
cursor_at_end() {
  local offset
  offset=$("$CKWRAP" inspect --json "$1" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["checkpoint"]["progress_file"]["offset"])')
  assert_eq "$(stat -c %s "$2")" "$offset" "$1: the committed cursor is past the last line"
}

flood fd3 $LINES -- python3 flood.py fd3 "" $LINES

flood stdout $LINES --protocol-on stdout -- python3 flood.py stdout "@ckwrap " $LINES
[ ! -s stdout.out ] || fail "stdout: record lines were passed through"

flood file $LINES --progress-file progress.log -- python3 flood.py progress.log "" $LINES
cursor_at_end file progress.log

# ckwrap watch reads a file written before it started: all of it is there at
# once. DONE lines of one id: nothing to journal, all in the batch of ids.
python3 flood.py written.log "" $LINES one-id
echo COMPLETE >> written.log
flood watch $((LINES + 1)) watch --progress-file written.log
cursor_at_end watch written.log
"$CKWRAP" inspect watch > watch.txt
assert_contains watch.txt "done: 1" "watch: one id"
