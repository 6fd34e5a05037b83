#!/usr/bin/env bash
# The set-up the Slurm engine tests (test_engine_slurm*.sh) share, sourced
# after lib.sh (and s3_lib.sh, if used): a one-node Slurm 22.05
# (scripts/engines/slurm-up; the test is skipped, 77, when the machine cannot
# run it), left running if it was already up and stopped at exit if the test
# started it; the job ids the test adds to jobs_submitted are cancelled at
# exit. Then the EXIT trap runs $after_slurm: lib.sh's cleanup, or s3_lib.sh's
# finish when the test sets after_slurm=finish. Sets ENGINES; helpers that
# read `scontrol show job` and a state directory.
ENGINES=$(cd "$TESTS_DIR/../../scripts/engines" && pwd)
after_slurm=${after_slurm:-cleanup}

started_slurm=0
scontrol ping 2>/dev/null | grep -q UP || started_slurm=1
up_rc=0
"$ENGINES/slurm-up" || up_rc=$?
[ "$up_rc" = 77 ] && { echo "SKIP: no Slurm on this machine (above)"; exit 77; }
[ "$up_rc" = 0 ] || fail "slurm-up failed ($up_rc)"
jobs_submitted=""
slurm_finish() {
  local job
  for job in $jobs_submitted; do scancel "$job" 2>/dev/null || true; done
  [ "$started_slurm" = 1 ] && "$ENGINES/slurm-down"
  "$after_slurm"
}
trap slurm_finish EXIT

field() { # JOBID FIELD: a field of `scontrol show job`
  scontrol show job -o "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}
state_is() { [ "$(field "$1" JobState)" = "$2" ]; }
ended() { case "$(field "$1" JobState)" in COMPLETED | FAILED | TIMEOUT | CANCELLED) ;; *) return 1 ;; esac; }
restarts_are() { [ "$(field "$1" Restarts)" = "$2" ]; }
done_at_least() { # DIR N: DIR's checkpoint holds N DONE ids or more
  local n
  n=$("$CKWRAP" status --json "$1" 2> /dev/null | grep -o '"done":[0-9]*' | cut -d: -f2)
  [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge "$2" ]
}
