#!/usr/bin/env bash
# shim/ckwrap.h compiled as C (gcc -std=c99) and C++ (g++ -std=c++11), both
# with -Wall -Wextra -Werror: a job that crashes once resumes with each item
# processed once (the in-flight one twice), every call reaches the
# checkpoint, ck_strip_resume_args drops the appended position, a bare run
# prints what a wrapped run prints, and 8 threads never interleave records.
TESTS_DIR=${TESTS_DIR:-$(dirname "$0")}
SHIM_DIR=$(cd "$TESTS_DIR/../../shim" && pwd)
# shellcheck source=lib.sh
. "$TESTS_DIR/lib.sh"

assert_eq "$SHIM_DIR/ckwrap.h" "$("$CKWRAP" --shim c)" "ckwrap --shim c"

cat > job.c <<'JOB'
#include "ckwrap.h"

#include <pthread.h>
#include <signal.h>

static char pad[4096 - sizeof("DONE t0-000-\n") + 1];

static void* work(void* arg) {
  long t = (long)arg;
  char id[4096];
  for (int n = 0; n < 40; n++) {
    snprintf(id, sizeof id, "t%ld-%03d-%s", t, n, pad);
    if (ck_done(id) != 0) perror("ck_done");
  }
  return NULL;
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "threads") == 0) {
    pthread_t threads[8];
    memset(pad, 'x', sizeof pad - 1);
    for (long t = 0; t < 8; t++) pthread_create(&threads[t], NULL, work, (void*)t);
    for (int t = 0; t < 8; t++) pthread_join(threads[t], NULL);
    char big[5000];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    int r1 = ck_done(big), e1 = errno;
    int r2 = ck_done("a\nb"), e2 = errno;
    int r3 = ck_fail("a b", "reason"), e3 = errno;
    int r4 = ck_done(""), e4 = errno;
    printf("%d %d %d %d %d %d %d %d\n", r1, e1 == EMSGSIZE, r2, e2 == EINVAL, r3, e3 == EINVAL,
           r4, e4 == EINVAL);
    return 0;
  }
  ck_strip_resume_args(&argc, argv);
  printf("argc=%d", argc);
  for (int i = 1; i < argc; i++) printf(" [%s]", argv[i]);
  printf(" attempt %lu resume %s\n", ck_attempt(), ck_resume_from("none"));
  const char* crash = getenv("CRASH_AT");
  for (unsigned long long i = strtoull(ck_resume_from("0"), NULL, 10); i < 12; i++) {
    FILE* f = fopen("processed.txt", "a");
    fprintf(f, "%llu\n", i);
    fclose(f);
    printf("item %llu\n", i);
    fflush(stdout);
    if (crash && strtoull(crash, NULL, 10) == i && ck_attempt() == 1) raise(SIGKILL);
    char id[32];
    snprintf(id, sizeof id, "item-%llu", i);
    ck_done(id);
    ck_progress(i + 1, 12);
    ck_checkpoint_u64(i + 1);
  }
  ck_state("cursor", "12 of 12");
  ck_fail("bad-1", "no such row");
  ck_fail("bad-2", NULL);
  ck_complete();
  printf("finished\n");
  return 0;
}
JOB

for compiler in "gcc -std=c99 -x c" "g++ -std=c++11 -x c++"; do
  name=${compiler%% *}
  $compiler -Wall -Wextra -Werror -pedantic -I"$SHIM_DIR" job.c -o job -pthread ||
    fail "$name: ckwrap.h does not compile cleanly"
  rm -rf s processed.txt
  rc=0
  CRASH_AT=5 "$CKWRAP" --backoff 0 --state-dir s -- ./job "a b" >out.txt 2>ckwrap.err || rc=$?
  assert_eq 0 "$rc" "$name: exit status"
  assert_eq "0 1 2 3 4 5 5 6 7 8 9 10 11" "$(sort -n processed.txt | tr '\n' ' ' | sed 's/ $//')" \
    "$name: each item once, the in-flight item 5 twice"
  assert_eq "argc=2 [a b] attempt 2 resume 5" "$(grep '^argc' out.txt | sed -n 2p)" \
    "$name: original argv on the resumed launch"
  "$CKWRAP" inspect s > inspect.txt
  for want in "position: 12" "done: 12" "failed: 2" "  bad-1: no such row" "  bad-2" \
    "  cursor = 12 of 12" "progress: 12/12" "complete: yes"; do
    assert_contains inspect.txt "$want" "$name: record"
  done

  rm -rf s processed.txt
  env -u CKWRAP_FD ./job x 3>&- >bare.txt 2>bare.err || fail "$name: bare run failed"
  [ ! -s bare.err ] || { cat bare.err >&2; fail "$name: bare run wrote to stderr"; }
  rm -f processed.txt
  "$CKWRAP" --quiet --state-dir s -- ./job x >wrapped.txt || fail "$name: wrapped run failed"
  cmp bare.txt wrapped.txt || fail "$name: bare and wrapped output differ"
  assert_eq 14 "$(wc -l < bare.txt)" "$name: bare output lines"

  rm -rf s
  ./job threads > bare.txt
  run_ckwrap --state-dir s -- ./job threads > wrapped.txt
  assert_eq 0 "$rc" "$name: threads exit"
  "$CKWRAP" inspect --json s | grep -q '"done_count":320' || fail "$name: expected 320 intact records"
  if grep 'protocol line' ckwrap.err; then fail "$name: interleaved records"; fi
  assert_eq "-1 1 -1 1 -1 1 -1 1" "$(cat bare.txt)" "$name: refusals bare"
  cmp bare.txt wrapped.txt || fail "$name: refusals differ bare and wrapped"
  pass "$name: crash and resume, records, argv, bare = wrapped, 8 threads"
done
