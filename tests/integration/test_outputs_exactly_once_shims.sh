#!/usr/bin/env bash
# A Python job (shim/ckwrap.py) and a C job (shim/ckwrap.h) append one line
# per item to an --output file, flush, and checkpoint WITHOUT a sync; each is
# SIGKILLed at 20 random points (in the middle of a line, after a whole line,
# or after the checkpoint). The out file ends with every item exactly once:
# the shims send each output's size with the checkpoint in the same write
# (SIZE records), so the size ckwrap commits is the one the job had when it
# checkpointed, not a later one that already holds the next rows.
TESTS_DIR=${TESTS_DIR:-$(dirname "$0")}
SHIM_DIR=$(cd "$TESTS_DIR/../../shim" && pwd)
# shellcheck source=lib.sh
. "$TESTS_DIR/lib.sh"

command -v python3 >/dev/null || fail "python3 is not installed (scripts/install-deps installs it)"
# The interpreter itself, without site (the shim is stdlib only): 21 launches
# stay fast even where python3 is a version manager's wrapper script.
PYTHON=$(python3 -c 'import sys; print(sys.executable)')
ITEMS=400

cat > job.py <<'JOB'
import os, signal, sys
import ckwrap

crashes = dict(line.split() for line in open("crash_points.txt"))
out = open("out.csv", "a")
for i in range(int(ckwrap.resume_from("0")), int(sys.argv[1])):
    crash = crashes.get(str(i))
    if crash and not os.path.exists("crashed.%d" % i):
        open("crashed.%d" % i, "w").close()
    else:
        crash = None
    if crash == "partial":
        out.write("item,%d,par" % i)
        out.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    out.write("item,%d,ok\n" % i)
    out.flush()
    if crash == "line":
        os.kill(os.getpid(), signal.SIGKILL)
    ckwrap.checkpoint(i + 1)
    if crash == "ckpt":
        os.kill(os.getpid(), signal.SIGKILL)
JOB

cat > job.c <<'JOB'
#include "ckwrap.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>

/* The crash kind planned for item i ("partial", "line", "ckpt"), once. */
static const char* crash_at(long i, char* kind) {
  char marker[64];
  long point;
  const char* found = NULL;
  FILE* f = fopen("crash_points.txt", "r");
  while (f && !found && fscanf(f, "%ld %15s", &point, kind) == 2) {
    if (point == i) found = kind;
  }
  if (f) fclose(f);
  snprintf(marker, sizeof marker, "crashed.%ld", i);
  if (!found || access(marker, F_OK) == 0) return NULL;
  close(open(marker, O_CREAT | O_WRONLY, 0644));
  return found;
}

int main(int argc, char** argv) {
  char row[64], kind[16];
  long items;
  ck_strip_resume_args(&argc, argv);
  items = atol(argv[1]);
  int out = open("out.csv", O_WRONLY | O_APPEND | O_CREAT, 0644);
  for (long i = atol(ck_resume_from("0")); i < items; i++) {
    const char* crash = crash_at(i, kind);
    if (crash && strcmp(crash, "partial") == 0) {
      snprintf(row, sizeof row, "item,%ld,par", i);
      if (write(out, row, strlen(row)) < 0) return 9;
      raise(SIGKILL);
    }
    snprintf(row, sizeof row, "item,%ld,ok\n", i);
    if (write(out, row, strlen(row)) < 0) return 9;
    if (crash && strcmp(crash, "line") == 0) raise(SIGKILL);
    if (ck_checkpoint_u64((unsigned long long)i + 1) != 0) return 9;
    if (crash && strcmp(crash, "ckpt") == 0) raise(SIGKILL);
  }
  return 0;
}
JOB
gcc -std=c99 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -I"$SHIM_DIR" job.c -o job ||
  fail "job.c does not compile"

# run_killed NAME COMMAND...: runs COMMAND under ckwrap --output out.csv,
# killed at 20 random points, in directory NAME; out.csv must hold every item once.
run_killed() {
  local name=$1
  shift
  mkdir "$name"
  (
    cd "$name"
    for p in $(shuf -i 0-$((ITEMS - 1)) -n 20); do
      echo "$p $(shuf -n 1 -e partial line ckpt)"
    done > crash_points.txt
    run_ckwrap --state-dir st --output out.csv --backoff 0 -- "$@" "$ITEMS"
    assert_eq 0 "$rc" "$name: exit status after 20 crashes"
    assert_eq 20 "$(find . -name 'crashed.*' | wc -l)" "$name: crashes"
    assert_eq 20 "$(grep -c "killed by signal 9" ckwrap.err)" "$name: crashes seen by ckwrap"
    seq 0 $((ITEMS - 1)) | sed 's/.*/item,&,ok/' > expected.csv
    if ! cmp -s expected.csv out.csv; then
      diff expected.csv out.csv | head >&2 || true
      fail "$name: out.csv is not every item exactly once: $(sort out.csv | uniq -d | wc -l)" \
        "rows twice, $(grep -c par out.csv) partial rows, $(wc -l < out.csv) rows"
    fi
  )
}

PYTHONPATH="$SHIM_DIR" run_killed python "$PYTHON" -S "$PWD/job.py"
run_killed c "$PWD/job"

# The job learns its outputs from CKWRAP_OUTPUTS (absolute, one a line; not
# a parent's when it has none), and output() adds to it; a SIZE for a file
# that is not declared is reported with its line and skipped.
cat > env.py <<'JOB'
import os
import ckwrap
print(repr(os.environ.get("CKWRAP_OUTPUTS")))
ckwrap.output("late.csv")
print(repr(os.environ.get("CKWRAP_OUTPUTS")))
os.write(3, b"SIZE 3 /no/such.csv\nCKPT 1\n")
JOB
PYTHONPATH="$SHIM_DIR" run_ckwrap --state-dir env1 --output "a b.csv" --output ./c.csv -- \
  "$PYTHON" -S env.py > env.out
assert_eq 0 "$rc" "env job"
assert_eq "'$PWD/a b.csv\n$PWD/./c.csv'" "$(sed -n 1p env.out)" "CKWRAP_OUTPUTS"
assert_eq "'$PWD/a b.csv\n$PWD/./c.csv\n$PWD/late.csv'" "$(sed -n 2p env.out)" "after output()"
assert_contains ckwrap.err "protocol line 2 (attempt 1): SIZE for /no/such.csv, which is not a declared output" \
  "undeclared SIZE"
"$CKWRAP" inspect env1 | grep -qx "output: $PWD/late.csv 0 bytes" || fail "output() declared late.csv"
CKWRAP_OUTPUTS=/parent.csv PYTHONPATH="$SHIM_DIR" run_ckwrap --state-dir env2 -- \
  "$PYTHON" -S env.py > env.out
assert_eq "None" "$(sed -n 1p env.out)" "CKWRAP_OUTPUTS without outputs"
# The shell shim's ck_output adds to it too, for the workers a script starts.
cat > env.sh <<JOB
. "$("$CKWRAP" --shim sh)"
ck_output "late sh.csv"
ck_output "$PWD/late sh.csv"
printf '%s\n' "\$CKWRAP_OUTPUTS"
JOB
run_ckwrap --state-dir env3 --output a.csv -- sh env.sh > env.out
assert_eq 0 "$rc" "shell env job"
assert_eq "$PWD/a.csv|$PWD/late sh.csv" "$(paste -sd'|' env.out)" "CKWRAP_OUTPUTS after ck_output"
pass "$ITEMS items, 20 SIGKILLs without a sync, out.csv exactly once: Python and C shims; CKWRAP_OUTPUTS"
