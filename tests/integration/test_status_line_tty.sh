#!/usr/bin/env bash
# On a terminal the status line (position, n/total bar, rate, ETA, restarts)
# is drawn in place and never tears the job's output: every line the job
# printed (stdout and stderr, a line written in two pieces too) reaches the
# screen whole and in order, and the status line is gone at the end.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

cat > job.sh <<'JOB'
#!/bin/bash
start=0
[ "${1:-}" = --resume-from ] && start=$2
for ((i = start; i < 40; i++)); do
  if [ "$i" = 20 ]; then
    printf 'partial-'            # half a line, then a pause longer than a redraw
    printf 'PROGRESS %d 40\n' "$i" >&3
    sleep 0.4
    echo 'end of line 20'
  else
    echo "line $i of the job's output"
  fi
  echo "err $i" >&2
  printf 'PROGRESS %d 40\nCKPT %d\n' $((i + 1)) $((i + 1)) >&3
  sleep 0.02
  [ "$i" = 12 ] && [ "$start" = 0 ] && exit 9
done
exit 0
JOB
chmod +x job.sh

start=$SECONDS
rc=0
python3 "$TESTS_DIR/status_line_pty.py" raw.txt screen.txt \
  "$CKWRAP" --state-dir st --backoff 0 -- ./job.sh || rc=$?
elapsed=$((SECONDS - start + 1))
assert_eq 0 "$rc" "ckwrap under a terminal"

# The status line was drawn: position, bar, restarts.
grep -aq $'\r\033\[Kckwrap: pos [0-9]* | [0-9]*/40 \[#' raw.txt || { cat -v raw.txt >&2; fail "no status line"; }
grep -aq 'restarts 1' raw.txt || fail "status line never showed the restart"

# The screen holds the job's lines whole, in order, and nothing else but
# ckwrap's own messages; the status line was cleared at the end.
python3 - <<'PY'
screen = open("screen.txt").read().splitlines()
want = []
for i in range(40):
    want.append("partial-end of line 20" if i == 20 else "line %d of the job's output" % i)
job = [l for l in screen if l.startswith(("line ", "partial-"))]
assert job == want, "\n".join(job)
errs = [l for l in screen if l.startswith("err ")]
assert errs == ["err %d" % i for i in range(40)], errs
others = [l for l in screen if not l.startswith(("line ", "partial-", "err "))]
for l in others:
    assert l.startswith("ckwrap: ") and not l.startswith("ckwrap: pos"), repr(l)
PY

# At most ~10 redraws a second (generous bound: 15/s over the whole run).
draws=$(grep -ao $'\r\033\[Kckwrap: pos' raw.txt | wc -l)
[ "$draws" -le $((15 * elapsed)) ] || fail "$draws redraws in ${elapsed}s"
pass "live status line under a terminal ($draws redraws in about ${elapsed}s)"
