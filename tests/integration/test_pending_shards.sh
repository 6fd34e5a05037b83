#!/usr/bin/env bash
# ckwrap pending --shard K/N: N workers split one input without talking to
# each other. Together the shards hold every id exactly once, each about 1/N;
# the shard of an id is XXH3-64 of its bytes modulo N, as ckwrap(1) documents
# (checked here against xxhsum, so any machine or version agrees); DONE ids are
# still dropped.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

seq -f 'item-%.0f' 1 1000000 > ids
for k in 0 1 2 3; do "$CKWRAP" pending --shard "$k/4" < ids > "shard.$k" || fail "shard $k"; done
assert_eq 1000000 "$(cat shard.* | sort -u | wc -l)" "the shards together hold every id"
assert_eq 1000000 "$(cat shard.* | wc -l)" "no id is in two shards"
balance=""
for k in 0 1 2 3; do
  n=$(wc -l < "shard.$k")
  balance="$balance $n"
  if [ "$n" -le 240000 ] || [ "$n" -ge 260000 ]; then fail "shard $k holds $n of 1000000 ids"; fi
done
echo "balance of 1000000 ids over 4 shards:$balance"

# The documented hash, computed by xxhsum: the same shard for each id.
for id in item-1 item-2 item-77 "id with spaces" "é"; do
  hex=$(printf '%s' "$id" | xxhsum -H3 | sed 's/.* = //')
  want=$(python3 -c "print(int('$hex', 16) % 7)")
  got=""
  for k in 0 1 2 3 4 5 6; do
    [ -n "$(printf '%s\n' "$id" | "$CKWRAP" pending --shard "$k/7")" ] && got="$got$k"
  done
  assert_eq "$want" "$got" "the shard of '$id'"
done

# With a state directory: done ids dropped, the shard applied to the rest.
printf 'DONE item-1\nDONE item-2\nDONE item-3\nDONE item-4\n' > done.txt
run_ckwrap --state-dir st --incremental -- sh -c 'cat done.txt >&3'
assert_eq 0 "$rc" "the run that marks four ids done"
head -n 100 ids > first
kept=$(for k in 0 1 2; do "$CKWRAP" pending --shard "$k/3" st < first; done | sort -u | wc -l)
assert_eq 96 "$kept" "three shards of 100 ids, four done: 96 left"
# With --field: the shard of the field, not of the line.
printf 'a item-9\nb item-9\n' > fields
one=$(for k in 0 1; do "$CKWRAP" pending --field 2 --shard "$k/2" < fields | wc -l; done | tr '\n' ' ')
case "$one" in "2 0 " | "0 2 ") ;; *) fail "--field 2: both lines of id item-9 in one shard ($one)" ;; esac

for bad in 4/4 1/ /3 -1/3 1/3x 0/0 x; do
  rc=0
  "$CKWRAP" pending --shard "$bad" < /dev/null 2> err || rc=$?
  assert_eq 125 "$rc" "--shard $bad refused"
  assert_contains err "invalid value '$bad' for --shard" "--shard $bad: the message names it"
done
pass "pending --shard: 4 shards of 1000000 ids cover each once ($balance ), stable hash, done ids dropped"
