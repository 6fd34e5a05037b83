#!/usr/bin/env bash
# A corrupted newest checkpoint is rejected loudly and the previous generation
# is used; when no generation verifies, ckwrap stops with 125 naming the files
# and never starts over.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

cat > job.sh <<'JOB'
#!/bin/bash
echo "launched with: $*" >> launches.txt
[ "${1:-}" = --resume-from ] && exit 0
for i in 1 2 3; do
  echo "CKPT $i" >&3
  # Each commit lands before the next record: wait for it to be on disk.
  until "$CKWRAP" inspect "$CKWRAP_STATE_DIR" 2>/dev/null | grep -qx "position: $i"; do sleep 0.01; done
done
exit 1
JOB
chmod +x job.sh
export CKWRAP

run_ckwrap --state-dir st --max-restarts 0 -- ./job.sh
assert_eq 1 "$rc" "first run fails"
# A run's first commit is a snapshot of what it loaded: a second run makes
# the second generation.
run_ckwrap --state-dir st -- ./job.sh
assert_eq 0 "$rc" "second run"
mapfile -t gens < <(ls st/checkpoint.* | sort)
assert_eq 2 "${#gens[@]}" "generations kept"
newest=${gens[1]}
# The previous generation is its snapshot plus its journal: what a load without
# the newest snapshot finds.
cp -r st prev && rm "prev/$(basename "$newest")" "prev/journal.${newest##*.}"
previous_position=$("$CKWRAP" inspect prev | sed -n 's/^position: //p')
[ -n "$previous_position" ] || fail "previous generation has no position"

# Flip one byte in the middle of the newest file.
size=$(stat -c %s "$newest")
printf '\xff' | dd of="$newest" bs=1 seek=$((size / 2)) conv=notrunc status=none
"$CKWRAP" inspect "$newest" 2>inspect.err && fail "inspect accepted a corrupted file"
assert_contains inspect.err "$newest" "inspect names the bad file"

run_ckwrap --state-dir st -- ./job.sh
assert_eq 0 "$rc" "resumed run"
assert_contains ckwrap.err "checkpoint rejected: $newest" "fallback is loud"
assert_eq "launched with: --resume-from $previous_position" "$(tail -n 1 launches.txt)" \
  "resumed from the previous generation"

# Now corrupt every generation of a fresh failed run.
rm -rf st launches.txt
run_ckwrap --state-dir st --max-restarts 0 -- ./job.sh
for f in st/checkpoint.*; do printf 'garbage' | dd of="$f" bs=1 seek=0 conv=notrunc status=none; done
before=$(cat st/checkpoint.* | md5sum)
run_ckwrap --state-dir st -- ./job.sh
assert_eq 125 "$rc" "no good generation"
for f in st/checkpoint.*; do assert_contains ckwrap.err "$f" "error names $f"; done
assert_eq 1 "$(wc -l < launches.txt)" "job not launched over bad checkpoints"
assert_eq "$before" "$(cat st/checkpoint.* | md5sum)" "bad checkpoints left untouched"
pass "fallback to $previous_position; all-bad refused"
