#!/usr/bin/env bash
# Each recipe file the engine tests run (examples/recipes/*) is printed in
# README.md verbatim, as an indented block after a line naming the file, so
# that what the README shows and what the tests run cannot drift apart; the
# text from that line to the block names the test (tests/integration/test_*.sh)
# that runs the file, and that test names the file.
TESTS_DIR=${TESTS_DIR:-$(dirname "$0")}
ROOT=$(cd "$TESTS_DIR/../.." && pwd)
# shellcheck source=lib.sh
. "$TESTS_DIR/lib.sh"

python3 - "$ROOT" <<'PY' || fail "README.md and examples/recipes/ differ (above)"
import glob, os, re, sys
root = sys.argv[1]
lines = open(os.path.join(root, "README.md")).read().splitlines()
files = sorted(glob.glob(os.path.join(root, "examples/recipes/*")))
assert files, "no recipes in examples/recipes"
bad = 0
for path in files:
    rel = os.path.relpath(path, root)
    want = [("    " + l) if l else "" for l in open(path).read().splitlines()]
    heads = [i for i, l in enumerate(lines) if "`" + rel + "`" in l]
    if not heads:
        print(f"README.md does not name {rel}", file=sys.stderr); bad += 1; continue
    # The first indented block after the line that names the file.
    i = heads[0] + 1
    while i < len(lines) and not lines[i].startswith("    "):
        i += 1
    j = i
    while j < len(lines) and (lines[j].startswith("    ") or
                              (lines[j] == "" and j + 1 < len(lines) and lines[j + 1].startswith("    "))):
        j += 1
    tests = re.findall(r"tests/integration/test_\w+\.sh", " ".join(lines[heads[0]:i]))
    if not tests:
        print(f"README.md's text before the block of {rel} names no test", file=sys.stderr); bad += 1
    for test in tests:
        if not os.path.exists(os.path.join(root, test)) or \
                os.path.basename(rel) not in open(os.path.join(root, test)).read():
            print(f"README.md: {test}, named for {rel}, does not run it", file=sys.stderr); bad += 1
    if lines[i:j] != want:
        print(f"README.md's block after `{rel}` is not the file:", file=sys.stderr)
        import difflib
        sys.stderr.writelines(l + "\n" for l in difflib.unified_diff(want, lines[i:j], rel, "README.md", lineterm=""))
        bad += 1
sys.exit(1 if bad else 0)
PY
pass "README.md prints examples/recipes/* verbatim"
