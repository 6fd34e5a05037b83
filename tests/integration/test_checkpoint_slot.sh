#!/usr/bin/env bash
# The checkpoint slot (fd 5), as a C job using shim/ckwrap.h sees it under the
# real ckwrap: ck_checkpoint writes no record to fd 3, yet a job SIGKILLed
# right after its last checkpoint resumes from it; a synced checkpoint is
# durable when ck_checkpoint_sync returns (ckwrap itself SIGKILLed then); a
# STATE with its CKPT after slot writes keeps its order; a script's own CKPT
# after its C program's last slot write is the one kept; 8 threads writing
# at once leave a whole position, never a torn one; and CKWRAP_SLOT_FD=
# (empty) turns the slot off.
TESTS_DIR=${TESTS_DIR:-$(dirname "$0")}
SHIM_DIR=$(cd "$TESTS_DIR/../../shim" && pwd)
# shellcheck source=lib.sh
. "$TESTS_DIR/lib.sh"

cat > job.c <<'JOB'
#include "ckwrap.h"

#include <pthread.h>
#include <signal.h>

static void* writer(void* arg) {
  char position[64];
  long t = (long)arg;
  for (int i = 0; i < 20000; i++) {
    /* Lengths differ between threads: a torn read would mix them. */
    snprintf(position, sizeof position, "t%ld-%d-%.*s", t, i, (int)(t * 5), "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    ck_checkpoint(position);
  }
  return NULL;
}

int main(int argc, char** argv) {
  const char* mode = argv[1];
  unsigned long long from = strtoull(ck_resume_from("0"), NULL, 10), i;
  (void)argc;
  printf("from %llu\n", from);
  fflush(stdout);
  if (strcmp(mode, "kill") == 0) { /* fd 3 closed after the first: the slot alone */
    for (i = from + 1; i <= from + 100000; i++) {
      ck_checkpoint_u64(i);
      if (i == from + 1) close(3);
    }
    raise(SIGKILL);
  }
  if (strcmp(mode, "sync") == 0) { /* ckwrap is SIGKILLed once the sync returned */
    for (i = 1; i <= 1000; i++) ck_checkpoint_u64(i);
    if (ck_checkpoint_sync("1001", 10000) != 0) return 7;
    kill(getppid(), SIGKILL);
    return 0;
  }
  if (strcmp(mode, "state") == 0) {
    for (i = 1; i <= 5000; i++) ck_checkpoint_u64(i);
    ck_checkpoint_with_state("5001", "total", "12502500");
    ck_checkpoint("5002"); /* the slot is closed now: fd 3, after the STATE */
    return 3;
  }
  if (strcmp(mode, "threads") == 0) {
    pthread_t threads[8];
    for (long t = 0; t < 8; t++) pthread_create(&threads[t], NULL, writer, (void*)t);
    for (int t = 0; t < 8; t++) pthread_join(threads[t], NULL);
    return 3;
  }
  for (i = 1; i <= 5000; i++) ck_checkpoint_u64(i); /* "wrapped": a script goes on */
  return 0;
}
JOB
cc -std=c99 -O2 -Wall -Wextra -Werror -I"$SHIM_DIR" job.c -o job -pthread ||
  fail "the job does not compile"

# A job SIGKILLed right after 100000 checkpoints that never reached fd 3.
run_ckwrap --restart never --state-dir kill -- ./job kill >kill.out
assert_eq 137 "$rc" "killed: exit status"
assert_eq 100000 "$(checkpoint_position kill)" "the position after the SIGKILL, from the slot"
run_ckwrap --restart never --state-dir kill -- ./job kill >>kill.out
assert_eq 137 "$rc" "killed again: exit status"
assert_eq "from 0
from 100000" "$(cat kill.out)" "the relaunch resumes from the slot's last position"
assert_eq 200000 "$(checkpoint_position kill)" "the second run's last position, also from the slot"
pass "a job SIGKILLed after its last slot checkpoint resumes from it"

# ck_checkpoint_sync returns once the position is durable: ckwrap SIGKILLed
# right then still has it.
run_ckwrap --state-dir sync -- ./job sync >/dev/null
assert_eq 137 "$rc" "ckwrap killed by its job"
assert_eq 1001 "$(checkpoint_position sync)" "the synced position after ckwrap's SIGKILL"
pass "a synced checkpoint through the slot is durable when the call returns"

run_ckwrap --restart never --state-dir state -- ./job state >/dev/null
assert_eq 3 "$rc" "state job exit status"
"$CKWRAP" inspect state >state.txt
assert_contains state.txt "position: 5002" "the CKPT after the STATE"
assert_contains state.txt "  total = 12502500" "the STATE written with its CKPT"
pass "records after slot writes keep their order"

run_ckwrap --state-dir wrapped -- sh -c './job wrapped >/dev/null && echo "CKPT done-all" >&3'
assert_eq 0 "$rc" "script exit status"
assert_eq done-all "$(checkpoint_position wrapped)" "the script's CKPT after its program's"
pass "a script's CKPT after its C program's slot checkpoints is the one kept"

run_ckwrap --restart never --state-dir threads -- ./job threads >/dev/null
assert_eq 3 "$rc" "threads job exit status"
position=$(checkpoint_position threads)
[[ $position =~ ^t([0-7])-19999-(x*)$ ]] || fail "threads: not the last position of a thread: '$position'"
assert_eq $((BASH_REMATCH[1] * 5)) "${#BASH_REMATCH[2]}" "threads: the position's padding (a torn write mixes them)"
pass "8 threads writing the slot at once leave a whole position: $position"

# CKWRAP_SLOT_FD= (empty) turns the slot off for a program: every CKPT is a record on fd 3.
run_ckwrap --state-dir off -- sh -c 'CKWRAP_SLOT_FD= ./job wrapped >/dev/null'
assert_eq 0 "$rc" "slot off: exit status"
assert_eq 5000 "$(checkpoint_position off)" "slot off: the last position"
"$CKWRAP" inspect off | grep -qx "records: 5000" || { "$CKWRAP" inspect off >&2; fail "slot off: not one record per CKPT"; }
pass "CKWRAP_SLOT_FD= sends every CKPT through fd 3"
