#!/usr/bin/env bash
# When stderr is not a terminal the status line is plain text: one every
# --status-interval and one per restart, no escape codes anywhere, and the
# job's output untouched; --quiet silences it; --log-format json makes every
# message of ckwrap's one JSON object; --verbose adds the launch command.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

mkfifo go
cat > job.sh <<'JOB'
#!/bin/bash
if [ "${1:-}" != --resume-from ]; then
  printf 'PROGRESS 4 10\nCKPT 4\n' >&3
  echo "first run output"
  exit 5
fi
printf 'PROGRESS 7 10\nCKPT 7\n' >&3
echo "second run output"
read -r _ < go
JOB
chmod +x job.sh

"$CKWRAP" --state-dir st --backoff 0 --status-interval 100ms -- ./job.sh > out.txt 2> err.txt &
sup=$!
# Interval lines keep coming while the job waits: wait for one showing 7/10.
wait_until 20 grep -q "status: position 7, 7/10 (70%)" err.txt
echo go > go
rc=0; wait "$sup" || rc=$?
assert_eq 0 "$rc" "job succeeded"
if grep -q $'\033' err.txt out.txt; then cat -v err.txt >&2; fail "escape codes without a terminal"; fi
assert_eq "first run output
second run output" "$(cat out.txt)" "job's stdout intact"
grep -q "status: position 4, 4/10 (40%),.* restarts 1" err.txt ||
  { cat err.txt >&2; fail "no status line counting the restart"; }

# --status-interval 0: no interval lines, but still one per restart.
rm -rf st
"$CKWRAP" --state-dir st --backoff 0 --status-interval 0 -- ./job.sh > out.txt 2> err.txt &
sup=$!
wait_until 20 grep -q "second run output" out.txt
echo go > go
wait "$sup"
assert_eq 1 "$(grep -c "status:" err.txt)" "only the restart's status line"
assert_contains err.txt "status: position 4, 4/10 (40%), done 0, failed 0, attempt 1, restarts 1" \
  "the restart's status line"

# --quiet: none at all.
rm -rf st
"$CKWRAP" --state-dir st --backoff 0 --quiet --status-interval 100ms -- ./job.sh > out.txt 2> err.txt &
sup=$!
wait_until 20 grep -q "second run output" out.txt
echo go > go
wait "$sup"
if grep -q "status:" err.txt; then cat err.txt >&2; fail "--quiet printed a status line"; fi

# --log-format json --verbose: every stderr line a JSON object; the launch
# command shown; the status line's fields machine-readable.
rm -rf st
CKWRAP_LOG_FORMAT=json "$CKWRAP" --state-dir st --backoff 0 --verbose -- ./job.sh > out.txt 2> err.txt &
sup=$!
wait_until 20 grep -q "second run output" out.txt
echo go > go
wait "$sup"
python3 - <<'PY'
import json
lines = [json.loads(l) for l in open("err.txt")]
levels = [l["level"] for l in lines]
assert "debug" in levels and "status" in levels and "info" in levels, levels
launch = [l["msg"] for l in lines if l["level"] == "debug"]
assert any('"./job.sh" "--resume-from" "4"' in m for m in launch), launch
st = [l["status"] for l in lines if l["level"] == "status"][0]
assert st["position"] == "4" and st["progress_total"] == 10 and st["restarts"] == 1, st
assert all(isinstance(l["ts_ms"], int) for l in lines)
PY
run_ckwrap --log-format xml -- true
assert_eq 125 "$rc" "bad --log-format"
assert_contains ckwrap.err "--log-format" "names the option"
assert_contains ckwrap.err "xml" "names the value"
run_ckwrap --status-interval soon -- true
assert_eq 125 "$rc" "bad --status-interval"
pass "plain status lines, log formats"
