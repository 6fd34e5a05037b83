#!/usr/bin/env bash
# shim/ckwrap.sh under bash, dash and busybox sh: a job that crashes once
# resumes with each item processed once (the in-flight one twice), every
# record reaches the checkpoint, the original arguments come back, a bare run
# prints exactly what a run under ckwrap prints, and parallel writers of
# PIPE_BUF-sized records never interleave.
TESTS_DIR=${TESTS_DIR:-$(dirname "$0")}
SHIM=$(cd "$TESTS_DIR/../../shim" && pwd)/ckwrap.sh
# shellcheck source=lib.sh
. "$TESTS_DIR/lib.sh"

for tool in dash busybox shellcheck; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/install-deps installs it)"
done
shellcheck -s sh "$SHIM" || fail "shellcheck reports problems in $SHIM"
assert_eq "$SHIM" "$("$CKWRAP" --shim sh)" "ckwrap --shim sh (from the build directory)"

# The job: items 0..11; CRASH_AT=k makes the first attempt SIGKILL itself
# after processing item k but before checkpointing it.
cat > job.sh <<'JOB'
. "$SHIM"
eval "set -- $(ck_args "$@")"
echo "args:$# $*"
start=$(ck_resume_from 0)
echo "attempt $(ck_attempt) starts at $start"
i=$start
while [ "$i" -lt 12 ]; do
  echo "$i" >> processed.txt
  echo "item $i"
  if [ "$i" = "${CRASH_AT:-}" ] && [ "$(ck_attempt)" = 1 ]; then kill -9 $$; fi
  ck_done "item-$i"
  ck_progress $((i + 1)) 12
  i=$((i + 1))
  ck_checkpoint "$i"
done
ck_state cursor "$i"
ck_fail bad-1 "no such row"
ck_fail bad-2
ck_complete
echo "finished"
JOB

for sh in bash dash "busybox sh"; do
  rm -rf s processed.txt
  export SHIM
  # A crash at item 5, then a resume.
  rc=0
  CRASH_AT=5 "$CKWRAP" --backoff 0 --state-dir s -- $sh ./job.sh "a b" "it's" >out.txt 2>ckwrap.err || rc=$?
  assert_eq 0 "$rc" "$sh: exit status"
  assert_eq "0 1 2 3 4 5 5 6 7 8 9 10 11" "$(sort -n processed.txt | tr '\n' ' ' | sed 's/ $//')" \
    "$sh: each item once, the in-flight item 5 twice"
  assert_eq "args:2 a b it's" "$(sed -n 1p out.txt)" "$sh: arguments on the first launch"
  assert_eq 2 "$(grep -cx "args:2 a b it's" out.txt)" \
    "$sh: the same arguments on both launches (no --resume-from on the second)"
  assert_contains out.txt "attempt 2 starts at 5" "$sh: resumed from the checkpoint"
  if grep -v 'job killed by signal 9\|resuming from 5\|ckwrap: status: ' ckwrap.err | grep -q .; then
    cat ckwrap.err >&2
    fail "$sh: unexpected ckwrap messages"
  fi
  # Every record type reached the checkpoint (state kept after success by inspect).
  "$CKWRAP" inspect s > inspect.txt
  assert_contains inspect.txt "position: 12" "$sh: CKPT"
  assert_contains inspect.txt "done: 12" "$sh: DONE"
  assert_contains inspect.txt "failed: 2" "$sh: FAIL"
  assert_contains inspect.txt "  bad-1: no such row" "$sh: FAIL reason"
  assert_contains inspect.txt "  cursor = 12" "$sh: STATE"
  assert_contains inspect.txt "progress: 12/12" "$sh: PROGRESS"
  assert_contains inspect.txt "complete: yes" "$sh: COMPLETE"

  # Bare (no ckwrap, fd 3 not even open) and under ckwrap: the same output.
  rm -rf s processed.txt
  rc=0
  env -u CKWRAP_FD $sh ./job.sh x y 3>&- >bare.txt 2>bare.err || rc=$?
  assert_eq 0 "$rc" "$sh: bare exit status"
  [ ! -s bare.err ] || { cat bare.err >&2; fail "$sh: bare run wrote to stderr"; }
  rm -f processed.txt
  "$CKWRAP" --quiet --state-dir s -- $sh ./job.sh x y >wrapped.txt 2>wrapped.err ||
    fail "$sh: run under ckwrap failed"
  cmp bare.txt wrapped.txt || fail "$sh: bare and wrapped output differ"
  assert_eq 15 "$(wc -l < bare.txt)" "$sh: bare output lines"
  pass "$sh: crash and resume, records, arguments, bare = wrapped"
done

# A custom --resume-flag: ck_args still strips exactly the appended pair, and
# leaves a user argument that merely looks like it alone.
cat > flag.sh <<'JOB'
. "$SHIM"
eval "set -- $(ck_args "$@")"
printf '[%s]' "$@" >> flags.txt; echo >> flags.txt
[ "$(ck_attempt)" = 1 ] && { ck_checkpoint "p 1"; exit 1; }
exit 0
JOB
for sh in bash dash "busybox sh"; do
  rm -rf s flags.txt
  run_ckwrap --backoff 0 --state-dir s --resume-flag --start -- $sh ./flag.sh --start "p 1" z
  assert_eq 0 "$rc" "$sh: custom flag run"
  assert_eq "[--start][p 1][z]" "$(sed -n 2p flags.txt)" "$sh: args after a resume with --resume-flag"
done
pass "ck_args with --resume-flag"

# Refused records: a newline, an over-long record, a space in a FAIL id; the
# same refusal bare and under ckwrap, and nothing partial reaches ckwrap.
cat > refuse.sh <<'JOB'
. "$SHIM"
long=$(printf '%04091d' 7)   # "DONE " + 4091 + "\n" = 4097 bytes
ok=$(printf '%04090d' 7)     # exactly 4096 bytes: allowed
ck_done "$long"; echo "long=$?"
ck_done "$ok"; echo "ok=$?"
ck_done "a
b"; echo "newline=$?"
ck_fail "a b" reason; echo "space=$?"
ck_done ""; echo "empty=$?"
JOB
for sh in bash dash "busybox sh"; do
  rm -rf s
  $sh ./refuse.sh >bare.txt 2>bare.err
  "$CKWRAP" --state-dir s -- $sh ./refuse.sh >wrapped.txt 2>wrapped.err
  expected="long=2 ok=0 newline=2 space=2 empty=2"
  assert_eq "$expected" "$(tr '\n' ' ' < bare.txt | sed 's/ $//')" "$sh: refusals bare"
  assert_eq "$expected" "$(tr '\n' ' ' < wrapped.txt | sed 's/ $//')" "$sh: refusals wrapped"
  assert_eq 4 "$(grep -c 'record refused' bare.err)" "$sh: one message per refusal"
  "$CKWRAP" inspect s | grep -qx 'done: 1' || fail "$sh: only the 4096-byte record arrives"
  if grep 'protocol line' wrapped.err; then fail "$sh: ckwrap saw a malformed record"; fi
done
pass "refused records"

# 8 parallel workers, each writing 40 DONE records of 4096 bytes: one write
# each, so ckwrap sees 320 intact records and no malformed line.
cat > parallel.sh <<'JOB'
. "$SHIM"
pad=$(printf '%04080d' 0)
for w in 1 2 3 4 5 6 7 8; do
  (n=0; while [ $n -lt 40 ]; do ck_done "w$w-$(printf %03d $n)-$pad"; n=$((n + 1)); done) &
done
wait
JOB
for sh in bash dash "busybox sh"; do
  rm -rf s
  run_ckwrap --state-dir s -- $sh ./parallel.sh
  assert_eq 0 "$rc" "$sh: parallel exit"
  if grep 'protocol line' ckwrap.err; then fail "$sh: interleaved records"; fi
  "$CKWRAP" inspect --json s > p.json
  grep -q '"done_count":320' p.json || fail "$sh: expected 320 intact DONE records"
done
pass "8 parallel writers of 4096-byte records never interleave"
