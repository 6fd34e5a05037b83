#!/usr/bin/env bash
# The README's three-line conversion, as printed, run the way the README runs
# it (`ckwrap -- ./import.sh data.csv`, so --resume-from POS comes after the
# script's own argument): killed at row 743, it resumes there and processes
# each of the 1000 rows once, and ckwrap has nothing to warn about. Before
# the fix the snippet tested $1 and started over at 0 (1743 rows).
TESTS_DIR=${TESTS_DIR:-$(dirname "$0")}
README="$(cd "$TESTS_DIR/../.." && pwd)/README.md"
# shellcheck source=lib.sh
. "$TESTS_DIR/lib.sh"

{
  cat <<'JOB'
#!/bin/bash
process_row() {
  [ "$1" = 743 ] && [ ! -e crashed ] && { touch crashed; kill -9 $$; }
  echo "row $1" >> rows.txt
}
JOB
  python3 - "$README" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
conversion = text[text.index("## Converting a script"):]
print(re.search(r"```bash\n(.*?)```", conversion, re.S).group(1), end="")
PY
} > import.sh
chmod +x import.sh
touch data.csv
run_ckwrap --state-dir st --backoff 0 -- ./import.sh data.csv
assert_eq 0 "$rc" "the converted script finishes"
[ -e crashed ] || fail "the job was not killed at row 743"
assert_eq 1000 "$(wc -l < rows.txt)" "rows processed (each once)"
assert_eq 1000 "$(sort -u rows.txt | wc -l)" "distinct rows"
assert_contains ckwrap.err "resuming from 743" "resumed at the crash"
assert_not_contains ckwrap.err "warning" "nothing to warn about"
pass "the README's conversion snippet resumes with ckwrap -- ./import.sh data.csv"
