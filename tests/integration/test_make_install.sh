#!/usr/bin/env bash
# make install DESTDIR=... PREFIX=... stages the binary, the man pages in
# their sections' directories and the shims; the staged binary finds its
# installed shims (ckwrap --shim) and man finds the pages.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SRC=$(cd "$TESTS_DIR/../.." && pwd)
BUILD_DIR=$(dirname "$CKWRAP")
# -o build: install what is built, without re-running deps or the build.
make -s -o build -C "$SRC" install BUILD="$BUILD_DIR" DESTDIR="$PWD/stage" PREFIX=/opt/ck \
  > install.log 2>&1 || { cat install.log >&2; fail "make install"; }

root=stage/opt/ck
for f in bin/ckwrap share/man/man1/ckwrap.1 share/man/man5/ckwrap-checkpoint.5 \
  share/man/man7/ckwrap-protocol.7 share/ckwrap/shim/ckwrap.sh share/ckwrap/shim/ckwrap.py \
  share/ckwrap/shim/ckwrap.h share/ckwrap/shim/ckwrap_slot.h; do
  [ -f "$root/$f" ] || { find stage >&2; fail "missing $root/$f"; }
done
[ -x "$root/bin/ckwrap" ] || fail "binary not executable"
[ ! -e /opt/ck/bin/ckwrap ] || fail "DESTDIR ignored: installed into /opt/ck"
cmp -s "$CKWRAP" "$root/bin/ckwrap" || fail "installed binary differs from the build"
cmp -s "$SRC/man/ckwrap.1" "$root/share/man/man1/ckwrap.1" || fail "ckwrap.1 differs"

# Only these files: nothing stray in the tree.
assert_eq 8 "$(find stage -type f | wc -l)" "files installed"

for lang in sh python c; do
  got=$("$root/bin/ckwrap" --shim "$lang")
  case "$got" in
    "$PWD/$root/bin/../share/ckwrap/shim/"* | "$PWD/$root/share/ckwrap/shim/"*) ;;
    *) fail "--shim $lang from the installed tree gave $got" ;;
  esac
  [ -f "$got" ] || fail "--shim $lang: $got does not exist"
done
# The C shim compiles from where it is installed (ckwrap_slot.h beside it).
echo '#include "ckwrap.h"' | cc -std=c99 -Wall -Wextra -Werror -fsyntax-only \
  -I "$(dirname "$("$root/bin/ckwrap" --shim c)")" -x c - || fail "the installed C shim does not compile"

if command -v man > /dev/null; then
  MANPATH="$PWD/$root/share/man" man -w ckwrap > where.txt 2>&1 || true
  assert_contains where.txt "share/man/man1/ckwrap.1" "man finds ckwrap(1)"
fi
"$root/bin/ckwrap" --version > version.txt
[ -s version.txt ] || fail "installed binary runs"
pass "make install DESTDIR tree"
