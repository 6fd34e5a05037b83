#!/usr/bin/env bash
# ckwrap --shim LANG prints the installed shim next to the binary
# (PREFIX/bin/ckwrap -> PREFIX/share/ckwrap/shim/FILE), else the source tree's.
TESTS_DIR=${TESTS_DIR:-$(dirname "$0")}
SHIM_DIR=$(cd "$TESTS_DIR/../../shim" && pwd)
# shellcheck source=lib.sh
. "$TESTS_DIR/lib.sh"

mkdir -p prefix/bin prefix/share/ckwrap/shim
cp "$CKWRAP" prefix/bin/ckwrap
for lang_file in sh:ckwrap.sh python:ckwrap.py c:ckwrap.h; do
  lang=${lang_file%%:*} file=${lang_file#*:}
  assert_eq "$SHIM_DIR/$file" "$("$CKWRAP" --shim "$lang")" "--shim $lang from the build directory"
  cp "$SHIM_DIR/$file" prefix/share/ckwrap/shim/
  assert_eq "$SCRATCH/prefix/share/ckwrap/shim/$file" "$(prefix/bin/ckwrap --shim "$lang")" \
    "--shim $lang from an installed prefix"
done
rc=0
"$CKWRAP" --shim perl >out.txt 2>err.txt || rc=$?
assert_eq 125 "$rc" "--shim perl"
assert_contains err.txt "sh, python or c" "--shim perl message"
pass "--shim finds installed and source-tree shims"
