#!/usr/bin/env bash
# --replicate restores a state directory from its replica when the local one
# holds no checkpoint (a new node), against a real S3-compatible server: Ceph
# 16's gateway on one node (scripts/engines/ceph-up; skipped, 77, when the
# machine cannot run it). The objects are put with s3_probe from a real
# state directory (generation 1: its snapshot and its journal of 5 commits
# in 2 pieces split at a commit boundary; generation 2: a second run's
# snapshot of the same state),
# under the layout of man/ckwrap-checkpoint.5, REPLICATION.
#  a. The local directory deleted, a run resumes from the bucket: the job
#     gets --resume-from 5, skips the 5 DONE ids, and the output holds every
#     id once; from generation 1's snapshot and pieces, and from generation
#     2's snapshot alone.
#  b. The newest snapshot corrupt (a flipped byte): refused loudly, naming
#     the key and the reason, and the previous generation used; the run
#     numbers its own generations past the refused one.
#  c. Every snapshot corrupt: exit 125 naming each key; the job never runs
#     and the directory holds no checkpoint (no start from nothing).
#  d. An empty prefix: a fresh start.
#  e. A wrong secret: exit 125 naming s3://BUCKET/PREFIX and HTTP 403, no
#     secret printed, no start; the same for an endpoint that does not
#     answer, and a missing AWS_ACCESS_KEY_ID named.
#  f. The last piece torn: Load's torn-tail rule (position 4, a notice);
#     a byte flipped inside the first piece: Load's damage rule (exit 125,
#     the truncate hint).
# A cluster already running is used and kept; one this test starts it stops.
TESTS_DIR=$(cd "${TESTS_DIR:-$(dirname "$0")}" && pwd)
# shellcheck source=lib.sh
. "$TESTS_DIR/lib.sh"
# shellcheck source=s3_lib.sh
. "$TESTS_DIR/s3_lib.sh"

# Items 1..8, each once: skips the ids ckwrap hands back as done, waits for
# each commit to be on disk and notes the journal's size there (a commit
# boundary); exits 1 after item STOP_AT.
cat >job.sh <<'JOB'
#!/bin/bash
echo "launched with: $*" >>launches.txt
for i in $(seq 1 8); do
  grep -qx "item-$i" "$CKWRAP_DONE_FILE" 2>/dev/null && continue
  echo "item-$i" >>out.txt
  echo "DONE item-$i" >&3
  echo "CKPT $i" >&3
  until "$CKWRAP" inspect "$CKWRAP_STATE_DIR" 2>/dev/null | grep -qx "position: $i"; do sleep 0.01; done
  stat -c %s "$CKWRAP_STATE_DIR"/journal.* | tail -n 1 >>sizes.txt
  [ "$i" = "${STOP_AT:-0}" ] && exit 1
done
exit 0
JOB
chmod +x job.sh
export CKWRAP

mkdir origin
(cd origin && STOP_AT=5 "$CKWRAP" --state-dir st --max-restarts 0 -- ../job.sh 2>ckwrap.err) ||
  true
# Generation 2: a second run's first commit snapshots what it loaded (its
# command fails at once, so nothing else changes).
(cd origin && "$CKWRAP" --state-dir st --max-restarts 0 --resume-anyway -- sh -c 'exit 1' \
  2>>ckwrap.err) || true
g1=origin/st/checkpoint.00000000000000000001
g2=origin/st/checkpoint.00000000000000000002
j1=origin/st/journal.00000000000000000001
[ -s "$g1" ] && [ -s "$g2" ] && [ -s "$j1" ] || { ls -l origin/st >&2; fail "no generations 1 and 2"; }
# The pieces hold journal 1 up to commit 5 (the run's last commit, its
# counters, follows it in the file: a replica that uploaded up to commit 5).
end=$(sed -n 5p origin/sizes.txt)
[ "$(stat -c %s "$j1")" -ge "$end" ] || fail "journal 1 lacks commit 5"
cut=$(sed -n 2p origin/sizes.txt)  # after commit 2
head -c "$cut" "$j1" >piece1
head -c "$end" "$j1" | tail -c +"$((cut + 1))" >piece2
flip() { # FILE OUT: a copy of FILE with its middle byte inverted
  cp "$1" "$2"
  local at=$(($(stat -c %s "$1") / 2)) byte
  byte=$(od -An -tu1 -j "$at" -N1 "$1" | tr -d ' ')
  printf "\\$(printf %03o $((255 - byte)))" | dd of="$2" bs=1 seek="$at" conv=notrunc status=none
}
flip "$g1" g1.bad
flip "$g2" g2.bad

put() { # PREFIX NAME FILE
  "$S3_PROBE" put "$bucket" "$1/$2" <"$3" 2>probe.err || { cat probe.err >&2; fail "PUT $1/$2"; }
}
snap() { echo "checkpoint.0000000000000000000$1"; }
piece() { echo "journal.0000000000000000000$1.000000000$2"; }
put_generation1() { # PREFIX
  put "$1" "$(snap 1)" "$g1"
  put "$1" "$(piece 1 1)" piece1
  put "$1" "$(piece 1 2)" piece2
}

# resume DIR PREFIX [ENV...]: a new node: out.txt as the first run left it,
# no state directory; ckwrap --replicate s3://BUCKET/PREFIX there.
resume() {
  local dir=$1 prefix=$2
  shift 2
  mkdir "$dir"
  cp origin/out.txt "$dir/"
  rc=0
  (cd "$dir" && env "$@" "$CKWRAP" --state-dir st --replicate "s3://$bucket/$prefix" \
    -- ../job.sh 2>ckwrap.err) || rc=$?
}
all_once() { # DIR: out.txt holds items 1..8, each once
  seq -f 'item-%g' 1 8 >all.expected
  sort -V "$1/out.txt" | cmp -s all.expected - || { cat "$1/out.txt" >&2; fail "$1: not every item once"; }
}
resumed_at_5() { # DIR [GEN PIECES]: the run succeeded, resumed at 5 from generation GEN
  # (1) and its PIECES (2) journal pieces, every item once
  assert_eq 0 "$rc" "$1: resumed run (stderr: $(cat "$1/ckwrap.err"))"
  assert_eq "launched with: --resume-from 5" "$(cat "$1/launches.txt")" "$1: the job's resume"
  all_once "$1"
  assert_contains "$1/ckwrap.err" \
    "restored from the replica: s3://$bucket/$1/$(snap "${2:-1}") (generation ${2:-1}, ${3:-2} journal pieces, " \
    "$1: says what it restored"
  assert_contains "$1/ckwrap.err" "5 done ids, position 5" "$1: says where it resumes"
}

# a. Resume from the bucket.
put_generation1 a
resume a a
resumed_at_5 a
grep 'restored from' a/ckwrap.err
put a2 "$(snap 2)" "$g2"
resume a2 a2
resumed_at_5 a2 2 0
pass "a: resumed from the bucket at 5 (2 journal pieces; or a snapshot alone), items 6-8 run, every item once"

# b. The newest snapshot corrupt.
put_generation1 b
put b "$(snap 2)" g2.bad
resume b b
resumed_at_5 b
assert_contains b/ckwrap.err "replica snapshot refused: s3://$bucket/b/$(snap 2): " "b: the refusal names the key"
assert_contains b/ckwrap.err "checksum" "b: the refusal gives the reason"
assert_contains b/ckwrap.err "checkpoint rejected: st/$(snap 2): " "b: Load falls back past it"
# Numbered past the refused generation, whose name the bucket holds (its
# objects are create-only): the run's first snapshot is 3, and its prune
# set the refused one aside.
[ -s "b/st/$(snap 3)" ] || { ls -l b/st >&2; fail "b: the run's snapshot is not generation 3"; }
[ -s "b/st/$(snap 2).rejected" ] || { ls -l b/st >&2; fail "b: the refused snapshot not set aside"; }
grep 'refused' b/ckwrap.err
pass "b: a corrupt newest snapshot refused loudly, generation 1 used"

# c. Every snapshot corrupt.
put c "$(snap 1)" g1.bad
put c "$(piece 1 1)" piece1
put c "$(snap 2)" g2.bad
resume c c
assert_eq 125 "$rc" "c: no snapshot verifies"
assert_contains c/ckwrap.err "s3://$bucket/c/$(snap 1): " "c: names generation 1's key"
assert_contains c/ckwrap.err "s3://$bucket/c/$(snap 2): " "c: names generation 2's key"
assert_contains c/ckwrap.err "not starting from nothing" "c: says it does not start afresh"
[ ! -e c/launches.txt ] || fail "c: the job ran"
for f in c/st/checkpoint.* c/st/journal.*; do
  case $f in *'*' | *.rejected) ;; *) ls -l c/st >&2; fail "c: a checkpoint was left under a live name: $f" ;; esac
done
cat c/ckwrap.err
pass "c: every snapshot corrupt: 125 naming each key, no start"

# d. An empty prefix.
rc=0
(mkdir d && cd d && "$CKWRAP" --state-dir st --replicate "s3://$bucket/d" -- ../job.sh 2>ckwrap.err) ||
  rc=$?
assert_eq 0 "$rc" "d: fresh run (stderr: $(cat d/ckwrap.err))"
assert_eq "launched with: " "$(cat d/launches.txt)" "d: the job starts from the beginning"
all_once d
assert_contains d/ckwrap.err "holds no checkpoint: a fresh start" "d: says so"
pass "d: an empty prefix is a fresh start"

# e. A wrong secret.
wrong=not-the-secret-$RANDOM$RANDOM
resume e a AWS_SECRET_ACCESS_KEY="$wrong"
assert_eq 125 "$rc" "e: a wrong secret"
assert_contains e/ckwrap.err "s3://$bucket/a/" "e: names the replica"
assert_contains e/ckwrap.err "HTTP 403" "e: gives the HTTP status"
assert_contains e/ckwrap.err "not starting from nothing" "e: says it does not start afresh"
assert_not_contains e/ckwrap.err "$wrong" "e: leaks the secret given"
assert_not_contains e/ckwrap.err "$AWS_SECRET_ACCESS_KEY" "e: leaks the real secret"
[ ! -e e/launches.txt ] || fail "e: the job ran"
cat e/ckwrap.err
resume e3 a AWS_ENDPOINT_URL=http://127.0.0.1:9
assert_eq 125 "$rc" "e: an endpoint that does not answer"
assert_contains e3/ckwrap.err "the replica s3://$bucket/a/ could not be read" "e: names the replica"
assert_contains e3/ckwrap.err "Couldn't connect to server" "e: gives the cause"
[ ! -e e3/launches.txt ] || fail "e: the job ran without its replica"
cat e3/ckwrap.err
resume e2 a -u AWS_ACCESS_KEY_ID
assert_eq 125 "$rc" "e: no access key id"
assert_contains e2/ckwrap.err "AWS_ACCESS_KEY_ID" "e: names the missing variable"
[ ! -e e2/launches.txt ] || fail "e: the job ran without credentials"
cat e2/ckwrap.err
pass "e: a wrong secret: 125 naming the replica and HTTP 403, no secret, no start; no gateway, no key id: 125 naming them"

# f. A torn last piece, then damage inside the first.
put f "$(snap 1)" "$g1"
put f "$(piece 1 1)" piece1
head -c -10 piece2 >piece2.torn
put f "$(piece 1 2)" piece2.torn
resume f f
assert_eq 0 "$rc" "f: torn last piece (stderr: $(cat f/ckwrap.err))"
assert_eq "launched with: --resume-from 4" "$(cat f/launches.txt)" "f: resumed at the last whole commit"
assert_contains f/ckwrap.err "dropped a torn tail of" "f: the torn-tail notice"
flip piece1 piece1.bad
put f2 "$(snap 1)" "$g1"
put f2 "$(piece 1 1)" piece1.bad
put f2 "$(piece 1 2)" piece2
resume f2 f2
assert_eq 125 "$rc" "f: damage inside the first piece"
assert_contains f2/ckwrap.err "truncate -s" "f: the damage rule's hint"
[ ! -e f2/launches.txt ] || fail "f: the job ran over a damaged journal"
cat f2/ckwrap.err
pass "f: a torn last piece resumes at 4; damage inside a piece is refused (125) as for a local journal"
