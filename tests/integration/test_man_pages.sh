#!/usr/bin/env bash
# The man pages are lint-clean under mandoc and groff, and ckwrap(1)'s OPTIONS
# section documents exactly the options `ckwrap --help` prints.
TESTS_DIR=${TESTS_DIR:-$(dirname "$0")}
# Resolved before lib.sh moves into its scratch directory.
MAN_DIR=$(cd "$TESTS_DIR/../../man" 2>/dev/null && pwd) || {
  echo "FAIL: no man directory at $TESTS_DIR/../../man" >&2
  exit 1
}
# shellcheck source=lib.sh
. "$TESTS_DIR/lib.sh"

shopt -s nullglob
pages=("$MAN_DIR"/*.[1-9])
[ ${#pages[@]} -gt 0 ] || fail "no man pages in $MAN_DIR"
[ -f "$MAN_DIR/ckwrap.1" ] || fail "$MAN_DIR/ckwrap.1 is missing"

# ---- (a) Both formatters accept every page without a warning. ----

for tool in mandoc groff; do
  command -v "$tool" >/dev/null ||
    fail "$tool is not installed: the man page lint needs mandoc and groff (scripts/install-deps)"
done

problems=0
for page in "${pages[@]}"; do
  out=$(mandoc -Tlint -W warning "$page" 2>&1) || true
  if [ -n "$out" ]; then
    echo "mandoc -Tlint -W warning $page:" >&2
    echo "$out" >&2
    problems=$((problems + 1))
  fi
  # -mandoc picks the man or the mdoc macros from the page itself, so pages
  # in either language are checked alike.
  out=$(groff -ww -z -mandoc "$page" 2>&1) || true
  if [ -n "$out" ]; then
    echo "groff -ww -z -mandoc $page:" >&2
    echo "$out" >&2
    problems=$((problems + 1))
  fi
done
[ "$problems" -eq 0 ] || fail "$problems lint report(s) on the man pages (above)"
pass "mandoc and groff lint clean: ${pages[*]##*/}"

# ---- (b) ckwrap(1) and --help agree on the options. ----

rc=0
"$CKWRAP" --help >help.txt 2>ckwrap.err || rc=$?
assert_eq 0 "$rc" "ckwrap --help exit status"

# The options --help defines: its lines that start with "  --NAME".
sed -n 's/^  \(--[a-z][a-z0-9-]*\).*/\1/p' help.txt | sort -u >help_options
# Every --NAME --help mentions anywhere (option values such as --resume-from too).
grep -o -- '--[a-z][a-z0-9-]*' help.txt | sort -u >help_mentions
grep -o 'CKWRAP_[A-Z_]*' help.txt | sort -u >help_variables

# The page's text with the roff escapes for '-' and zero-width breaks removed.
sed -e 's/\\-/-/g' -e 's/\\&//g' "$MAN_DIR/ckwrap.1" >page.txt
# The options it documents: the tag line after each .TP in the OPTIONS section.
awk '/^\.SH /{on = ($0 ~ /^\.SH "?OPTIONS"?$/); next}
     on && tag {print; tag = 0; next}
     on && /^\.TP/ {tag = 1}' page.txt |
  grep -o -- '--[a-z][a-z0-9-]*' | sort -u >man_options

[ "$(wc -l <help_options)" -ge 5 ] || fail "found only $(wc -l <help_options) options in --help"
[ "$(wc -l <man_options)" -ge 5 ] ||
  fail "found only $(wc -l <man_options) options in ckwrap.1's OPTIONS section"

missing=""
while read -r option; do
  grep -qxF -- "$option" man_options || missing="$missing $option"
done <help_options
[ -z "$missing" ] || fail "options in --help but not in ckwrap.1's OPTIONS section:$missing"

missing=""
while read -r option; do
  grep -qF -- "$option" page.txt || missing="$missing $option"
done <help_mentions
[ -z "$missing" ] || fail "long options printed by --help but absent from ckwrap.1:$missing"

extra=""
while read -r option; do
  grep -qxF -- "$option" help_options || extra="$extra $option"
done <man_options
[ -z "$extra" ] || fail "options in ckwrap.1's OPTIONS section but not in --help:$extra"

missing=""
while read -r variable; do
  grep -qF -- "$variable" page.txt || missing="$missing $variable"
done <help_variables
[ -z "$missing" ] || fail "variables in --help but absent from ckwrap.1:$missing"

pass "ckwrap.1 OPTIONS and --help agree on $(wc -l <help_options) options"

# ---- (c) ckwrap-protocol(7) names the verbs the parser knows. ----

protocol="$MAN_DIR/ckwrap-protocol.7"
sed -n '/^\.Ss Records/,/^\.S[sh] /s/^\.It Li \([A-Z][A-Z]*\).*/\1/p' "$protocol" >verbs
[ "$(wc -l <verbs)" -ge 8 ] || fail "found only $(wc -l <verbs) verbs under Records in $protocol"
while read -r verb; do
  env -u CKWRAP_FD "$CKWRAP" emit "$verb" 2>emit.err >/dev/null || true
  if grep -q "unknown verb" emit.err; then fail "ckwrap-protocol(7) documents $verb; emit says unknown verb"; fi
done <verbs
env -u CKWRAP_FD "$CKWRAP" emit NOPE 2>emit.err >/dev/null || true
assert_contains emit.err "unknown verb" "emit names an unknown verb (the check above can fail)"
# The "unknown verb" diagnostic: its count word and the verbs it lists.
sed -n '/^\.It Li unknown verb/,/^\.It Li CKPT needs/p' "$protocol" >unknown_verb.txt
words=(zero one two three four five six seven eight nine ten eleven twelve)
assert_contains unknown_verb.txt "one of the ${words[$(wc -l <verbs)]} verbs" \
  "the unknown-verb diagnostic counts the verbs"
while read -r verb; do
  grep -qw -- "$verb" unknown_verb.txt || fail "the unknown-verb diagnostic does not name $verb"
done <verbs
pass "ckwrap-protocol(7): $(wc -l <verbs) verbs, each known to the parser and named in DIAGNOSTICS"
