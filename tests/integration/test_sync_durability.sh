#!/usr/bin/env bash
# An acknowledged SYNC means the commit reached the disk: for every SYNC, a
# sync (fdatasync/fsync) of a journal or snapshot file in the state directory
# completes after the job sent the records and before the job reads the
# acknowledgement on CKWRAP_ACK_FD. The syncs are counted by sync_counter
# (LD_PRELOAD, built with the tests), which publishes its counts in a file the
# job reads. Also holds for --sync always; --sync none acknowledges without
# any journal sync (as documented: it survives crashes, not power loss).
TESTS_DIR=${TESTS_DIR:-$(dirname "$0")}
: "${SYNC_COUNTER:?set SYNC_COUNTER to the sync_counter preload library}"
SYNC_COUNTER=$(realpath "$SYNC_COUNTER")  # lib.sh moves to a scratch directory
# shellcheck source=lib.sh
source "$TESTS_DIR/lib.sh"

# Under ASan: the uninstrumented library is preloaded before the runtime.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
ROUNDS=30

# sync_job.py COUNTS ROUNDS: per round, reads the counts, sends a new STATE
# record and a SYNC in one write, reads the acknowledgement, reads the counts
# again; prints "token ack journal-before journal-after snapshot-before
# snapshot-after" per round.
cat > sync_job.py <<'PY'
import os, sys
counts_path, rounds = sys.argv[1], int(sys.argv[2])
def counts():
    try:
        with open(counts_path) as f:
            journal, snapshot = f.read().split()
            return int(journal), int(snapshot)
    except FileNotFoundError:
        return 0, 0
acks = os.fdopen(int(os.environ["CKWRAP_ACK_FD"]), "r")
for i in range(rounds):
    journal0, snapshot0 = counts()
    os.write(3, f"STATE k v{i}\nSYNC t{i}\n".encode())
    ack = acks.readline().strip() or "none"
    journal1, snapshot1 = counts()
    print(f"t{i} {ack} {journal0} {journal1} {snapshot0} {snapshot1}", flush=True)
PY

# run_synced NAME CKWRAP_OPTION...: one run under the counter.
run_synced() {
  local name=$1
  shift
  mkdir -m 0700 "$name"
  rc=0
  env LD_PRELOAD="$SYNC_COUNTER" CKWRAP_TEST_SYNC_DIR="$(cd "$name" && pwd -P)" \
    CKWRAP_TEST_SYNC_COUNTS="$PWD/$name.counts" \
    "$CKWRAP" --state-dir "$name" --max-restarts 0 "$@" -- \
    python3 sync_job.py "$PWD/$name.counts" $ROUNDS > "$name.out" 2> "$name.err" || rc=$?
  [ "$rc" = 0 ] || { cat "$name.err" >&2; fail "$name: ckwrap exited with $rc"; }
  [ -s "$name.counts" ] || { cat "$name.err" >&2; fail "$name: no sync counted (preload?)"; }
  assert_eq $ROUNDS "$(wc -l < "$name.out")" "$name: rounds reported"
  assert_eq "v$((ROUNDS - 1))" "$("$CKWRAP" inspect "$name" | sed -n 's/^  k = //p')" \
    "$name: the last STATE committed"
}

for mode in batch always; do
  run_synced "$mode" --sync "$mode"
  while read -r token ack journal0 journal1 snapshot0 snapshot1; do
    assert_eq "$token" "$ack" "$mode: acknowledgement of $token"
    # Each round's records are new: the commit that holds them (a journal
    # append, or a snapshot) is synced after they were sent.
    [ $((journal1 + snapshot1)) -gt $((journal0 + snapshot0)) ] ||
      fail "$mode: $token acknowledged with no sync after it was sent (journal $journal0 -> $journal1, snapshot $snapshot0 -> $snapshot1)"
  done < "$mode.out"
  # Records arriving while the job runs are journal commits: the journal is
  # what must be synced, round after round.
  journal_rounds=$(awk '$4 > $3' "$mode.out" | wc -l)
  [ "$journal_rounds" -ge $((ROUNDS - 2)) ] ||
    fail "$mode: only $journal_rounds of $ROUNDS acknowledgements followed a journal sync"
  pass "$mode: $ROUNDS SYNCs, each acknowledged after a sync ($journal_rounds of the journal)"
done

# --sync none: acknowledged once written, with no fdatasync per commit; the
# journal syncs are the new journal's own (ckwrap-checkpoint(5): it is
# created, then fdatasync'ed) and the run's last commit, which is synced in
# every mode (ckwrap(1), --sync). This is what the checks above catch.
run_synced none --sync none
while read -r token ack _; do assert_eq "$token" "$ack" "none: acknowledgement of $token"; done < none.out
while_running=$(awk '{ if ($4 > max) max = $4 } END { print max + 0 }' none.out)
[ "$while_running" -le 1 ] ||
  fail "none: $while_running journal syncs while the job ran, expected at most the creation's"
journal_syncs=$(cut -d' ' -f1 none.counts)
[ "$journal_syncs" -gt "$while_running" ] || fail "none: the run's last commit was not synced"
[ "$journal_syncs" -le 2 ] || fail "none: $journal_syncs journal syncs, expected the creation's and the last commit's"
pass "--sync none: acknowledged with $while_running journal sync while running; the last commit synced ($journal_syncs in all)"
