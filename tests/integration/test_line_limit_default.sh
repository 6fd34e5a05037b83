#!/usr/bin/env bash
# The default protocol line limit is 65536 bytes, not counting the line end
# (ckwrap-protocol(7)): a line of exactly 65536 bytes is applied, one of
# 65537 is reported with its line number and the limit, and skipped, and the
# line after it still applies. The same with a "\r\n" line end, which does
# not count either.
TESTS_DIR=${TESTS_DIR:-$(dirname "$0")}
# shellcheck source=lib.sh
source "$TESTS_DIR/lib.sh"

# line.py KEY LENGTH [crlf]: one STATE KEY line of exactly LENGTH bytes
# before its line end, the value all "x" but its last character (the key).
cat > line.py <<'PY'
import sys
key, length = sys.argv[1], int(sys.argv[2])
end = "\r\n" if sys.argv[3:] == ["crlf"] else "\n"
head = f"STATE {key} "
sys.stdout.write(head + "x" * (length - len(head) - 1) + key[-1] + end)
PY
cat > job.sh <<'JOB'
#!/bin/bash
{
  python3 line.py fit 65536          # line 1: exactly the limit
  python3 line.py over 65537         # line 2: one byte over
  echo "STATE after ok"              # line 3
  python3 line.py fitcr 65536 crlf   # line 4: the limit, then \r\n
  python3 line.py overcr 65537 crlf  # line 5: one over, then \r\n
  echo "CKPT 6"                      # line 6
} >&3
exit 1
JOB
chmod +x job.sh
python3 line.py fit 65536 | tr -d '\n' | wc -c | grep -qx 65536 || fail "line.py: wrong length"

run_ckwrap --state-dir st --max-restarts 0 -- ./job.sh
assert_eq 1 "$rc" "job status"
# Exactly the two overlong lines are reported, each naming the limit.
grep 'protocol line' ckwrap.err > warnings.txt || true
assert_eq 2 "$(wc -l < warnings.txt)" "protocol warnings ($(paste -sd'|' warnings.txt))"
assert_eq 1 "$(grep -c '^ckwrap: protocol line 2 (attempt 1): line longer than 65536 bytes; skipped$' warnings.txt)" \
  "the 65537-byte line is reported as over the 65536-byte limit"
assert_eq 1 "$(grep -c '^ckwrap: protocol line 5 (attempt 1): line longer than 65536 bytes; skipped$' warnings.txt)" \
  "the 65537-byte line with \\r\\n is reported as over the limit"

"$CKWRAP" inspect --json st > inspect.json
python3 - <<'PY' || fail "committed state: $(cat inspect.json)"
import json
c = json.load(open("inspect.json"))["checkpoint"]
state = c["state"]
assert sorted(state) == ["after", "fit", "fitcr"], sorted(state)
assert len("STATE fit " + state["fit"]) == 65536 and state["fit"].endswith("xt"), len(state["fit"])
assert len("STATE fitcr " + state["fitcr"]) == 65536 and state["fitcr"].endswith("xr")
assert state["after"] == "ok"
assert c["position"] == "6", c["position"]
PY
pass "65536-byte lines applied, 65537-byte lines skipped with the limit named, the next line applied"
