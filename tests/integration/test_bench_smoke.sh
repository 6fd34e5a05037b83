#!/usr/bin/env bash
# scripts/bench runs end to end at tiny sizes (the real run is `make bench`):
# every measurement runs, the JSON has every row, each with a ratio.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
BENCH=$(cd "$TESTS_DIR/../../scripts" && pwd)/bench
BUILD_DIR=$(dirname "$CKWRAP")
[ -x "$BUILD_DIR/ckwrap_bench" ] || fail "no ckwrap_bench beside $CKWRAP"

"$BENCH" --quick --build "$BUILD_DIR" --dir "$PWD" --json bench.json > table.txt 2> bench.err ||
  { cat bench.err >&2; fail "bench --quick failed"; }
assert_contains table.txt "| measurement | ckwrap | baseline | ratio | target |" "table header"
python3 - bench.json <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))
names = " ".join(r["name"] for r in result["rows"])
for want in ["ingest", "commit p50", "commit p99", "cost per commit", "peak RSS per id",
             "relaunch", "start-up", "job with one CKPT", "ckwrap pending",
             "--sync always", "--sync batch"]:
    assert want in names, f"no row for {want}: {names}"
for r in result["rows"]:
    assert r["baseline"] > 0 and r["ratio"] >= 0, r
PY
[ -z "$(ls -d ckwrap-bench.* 2>/dev/null)" ] || fail "bench left its scratch directory"
pass "bench smoke run: $(grep -c '^| ' table.txt) table lines"
