#!/usr/bin/env bash
# The README's set-up reads in the promised order: the two commands (make
# demo, make test), then the three-line conversion of a legacy script, then
# the recipes.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

README="$TESTS_DIR/../../README.md"
python3 - "$README" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
heads = re.findall(r"^## (.*)$", text, re.M)
assert heads[:2] == ["Converting a script: three lines", "Recipes"], heads[:3]
intro = text[: text.index("\n## ")]
first_block = re.search(r"((?:^    .*\n)+)", intro, re.M).group(1).splitlines()
commands = [l.split("#")[0].strip() for l in first_block]
assert commands == ["make demo", "make test"], first_block
conversion = text[text.index("## Converting a script"): text.index("## Recipes")]
fenced = re.search(r"```bash\n(.*?)```", conversion, re.S).group(1)
marks = re.findall(r"# ([0-9])\. ", fenced)
assert marks == ["1", "2", "3"], fenced
recipes = text[text.index("## Recipes"):]
assert re.search(r"^    ckwrap ", recipes, re.M), "no recipe lines"
PY
pass "README: two commands, three-line conversion, recipes"
