#!/bin/sh
# process_one.sh ID: one worker of parallel_workers.sh. Does the work for ID
# (appends "ID attempt N" to $OUT, default processed.log), then reports it
# with one DONE record (one write, so 8 workers never interleave).
# CRASH_ID=ID simulates a crash of the whole job: on the first attempt, the
# worker given that id SIGKILLs the job's process group before doing it.
set -eu
if [ "$1" = "${CRASH_ID:-}" ] && [ "${CKWRAP_ATTEMPT:-1}" = 1 ]; then kill -9 0; fi
sleep 0.01 # the work
echo "$1 attempt ${CKWRAP_ATTEMPT:-1}" >> "${OUT:-processed.log}"
ckwrap emit DONE "$1"
