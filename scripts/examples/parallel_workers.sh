#!/bin/sh
# parallel_workers.sh IDS_FILE: processes every id of IDS_FILE (one a line)
# with 8 parallel workers, each reporting its id DONE. Under ckwrap a relaunch
# hands the workers only the ids not DONE yet, so after a crash only the ids
# that were in flight are processed again:
#
#   ckwrap --backoff 0 -- ./parallel_workers.sh ids.txt
#
# Bare (no ckwrap), `ckwrap pending` passes every id and `ckwrap emit` does
# nothing: the job runs unchanged. ckwrap must be on PATH.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
ckwrap pending < "$1" | xargs -P 8 -n 1 "$here/process_one.sh"
