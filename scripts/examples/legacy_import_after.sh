#!/bin/bash
# legacy_import_before.sh CSV: a legacy importer, as found. It inserts every
# row of CSV (id,name) into the "database" $DB (a file; default imported.db).
# When it dies at row 743 of 1000 it has to start again from row 1.
# legacy_import_after.sh is the same script made resumable by ckwrap; the
# diff between them is three lines. CRASH_AT="7 23" simulates crashes: the
# first time a listed row is inserted, the script SIGKILLs itself.
set -euo pipefail
# shellcheck source=../../shim/ckwrap.sh
. "$(ckwrap --shim sh)"
csv=$1
db=${DB:-imported.db}
first=$(($(ck_resume_from 0) + 1))
row=$((first - 1))
while IFS=, read -r id name; do
  row=$((row + 1))
  echo "$row,$id,$name" >> "$db" # the slow INSERT
  for crash in ${CRASH_AT:-}; do
    if [ "$row" = "$crash" ] && [ ! -e "$db.crashed-at-$row" ]; then
      touch "$db.crashed-at-$row"
      kill -9 $$
    fi
  done
  ck_checkpoint "$row"
done < <(tail -n "+$first" "$csv")
echo "imported rows $first..$row into $db"
