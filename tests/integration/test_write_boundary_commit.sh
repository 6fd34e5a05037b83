#!/usr/bin/env bash
# No commit is cut between records of one write(2) (issue 16), even while a
# job floods fd 3 faster than ckwrap reads it, so that reads fill ckwrap's
# buffer and end inside a write: a C job sends "STATE total T\nCKPT I:..." per
# row (the position padded to 400 bytes) with ck_checkpoint_with_state until
# the journal holds 100 commits or more; then ckwrap itself is killed
# (SIGKILL). Every commit in the journal, each a point a resume may start
# from, must hold the total of rows 1..I with position I; and the next ckwrap
# resumes the job consistently (CHECK_ONLY: the job checks and exits). Before
# the fix one commit in five (78 to 155 of 448 to 671, --commit-interval 0)
# ended between a write's two records.
TESTS_DIR=${TESTS_DIR:-$(dirname "$0")}
SHIM_DIR=$(cd "$TESTS_DIR/../../shim" && pwd)
# shellcheck source=lib.sh
. "$TESTS_DIR/lib.sh"

cat > flood.c <<'JOB'
#include "ckwrap.h"

/* The saved total, from CKWRAP_STATE_FILE ({"total":"T"}), or 0. */
static unsigned long long SavedTotal(void) {
  const char* path = getenv("CKWRAP_STATE_FILE");
  char text[256] = "";
  FILE* f = path != NULL ? fopen(path, "r") : NULL;
  if (f == NULL) return 0;
  size_t n = fread(text, 1, sizeof text - 1, f);
  text[n] = '\0';
  fclose(f);
  const char* at = strstr(text, "\"total\":\"");
  return at != NULL ? strtoull(at + 9, NULL, 10) : 0;
}

int main(void) {
  unsigned long long i = strtoull(ck_resume_from("0"), NULL, 10), total = SavedTotal();
  if (total != i * (i + 1) / 2) {
    FILE* f = fopen("mismatches", "a");
    fprintf(f, "resumed at %llu with total %llu\n", i, total);
    fclose(f);
    return 3;
  }
  if (getenv("CHECK_ONLY") != NULL) return 0;
  /* Long positions, so that the job outruns ckwrap's 64 KiB reads, and a
   * read ending inside a write most likely ends between its two records. */
  char pad[401];
  memset(pad, 'x', sizeof pad - 1);
  pad[sizeof pad - 1] = '\0';
  for (;;) {
    char position[24 + sizeof pad], value[24];
    i++;
    total += i;
    snprintf(position, sizeof position, "%llu:%s", i, pad);
    snprintf(value, sizeof value, "%llu", total);
    if (ck_checkpoint_with_state(position, "total", value) != 0) return 1;
  }
}
JOB
gcc -std=c99 -O2 -Wall -Wextra -Werror -I"$SHIM_DIR" -o flood flood.c

# Each COMMIT record against the last STATE total before it (journal format:
# ckwrap-checkpoint(5), JOURNAL).
cat > commits.py <<'PY'
import glob, struct, sys
for path in sorted(glob.glob(sys.argv[1] + "/journal.*")):
    data, at, total = open(path, "rb").read(), 0, None
    while at + 13 <= len(data):
        (length,) = struct.unpack_from("<I", data, at + 8)
        kind, payload = data[at + 12], data[at + 13:at + 13 + length]
        at += 13 + length
        if len(payload) < length:
            break  # the torn tail the kill left
        if kind == 4:  # STATE
            (key_length,) = struct.unpack_from("<I", payload, 0)
            total = int(payload[4 + key_length:])
        elif kind == 5 and total is not None and payload[49] == 1:  # COMMIT
            row = int(payload[50:].split(b":")[0])
            print("ok" if total == row * (row + 1) // 2 else f"split at {row}: total {total}")
PY
# At least 100 commits (under a second; a few under the sanitizers).
enough_commits() {
  python3 commits.py st > commits.txt 2>/dev/null && [ "$(wc -l < commits.txt)" -ge 100 ]
}

"$CKWRAP" --state-dir st --commit-interval 0 --no-restart-on 3 -- ./flood 2> ckwrap.err &
supervisor=$!
wait_until 30 enough_commits
kill -9 "$supervisor"
wait "$supervisor" 2>/dev/null || true
python3 commits.py st > commits.txt
commits=$(wc -l < commits.txt)
split=$(grep -c split commits.txt || true)
echo "$split of $commits commits split a write"
assert_eq 0 "$split" "commits that split a write"

rc=0
CHECK_ONLY=1 "$CKWRAP" --state-dir st -- ./flood 2>> ckwrap.err || rc=$?
[ ! -e mismatches ] || fail "resumed: $(cat mismatches)"
assert_eq 0 "$rc" "the resumed job found its total and position in step"
pass "no commit splits a write of STATE and CKPT ($commits commits checked)"
