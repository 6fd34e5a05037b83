#!/bin/bash
# A small "import" job for the demo: processes rows 0..N-1 of a made-up data
# set, checkpointing each finished row on fd 3, and crashes on purpose twice
# (a SIGKILL, then an error exit) the first time it reaches each crash row.
set -euo pipefail
rows=${ROWS:-30}
start=0
if [ "${1:-}" = --resume-from ]; then start=$2; fi
echo "import.sh: attempt ${CKWRAP_ATTEMPT:-1}, starting at row $start"
for ((i = start; i < rows; i++)); do
  echo "row $i imported" >> "${OUT:-imported.txt}"
  if [ "$i" = 11 ] && [ ! -e crashed-once ]; then
    touch crashed-once
    echo "import.sh: row $i: simulating a crash (SIGKILL)"
    kill -9 $$
  fi
  if [ "$i" = 23 ] && [ ! -e crashed-twice ]; then
    touch crashed-twice
    echo "import.sh: row $i: simulating an error exit"
    exit 1
  fi
  # Only with ckwrap: run bare, the script still works. PROGRESS feeds the status line.
  if [ -n "${CKWRAP_FD:-}" ]; then printf 'PROGRESS %d %d\nCKPT %d\n' $((i + 1)) "$rows" $((i + 1)) >&"$CKWRAP_FD"; fi
  sleep "${ROW_DELAY:-0}"  # the demo slows down so its status line can be watched
done
echo "import.sh: all $rows rows done"
