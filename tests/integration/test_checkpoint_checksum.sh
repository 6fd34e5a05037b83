#!/usr/bin/env bash
# The snapshot checksum is what catches damage that still decodes: one byte
# flipped inside a string of the newest checkpoint.N's payload (the position,
# so the file stays well-formed for every other check) makes it fail
# verification (ckwrap-checkpoint(5), VERIFICATION 6). inspect refuses the
# file; the state directory loads the previous generation, loudly, and a run
# resumes from the true position, never the damaged one. With every
# generation damaged so, a run stops with 125 and does not launch the job.
TESTS_DIR=${TESTS_DIR:-$(dirname "$0")}
# shellcheck source=lib.sh
source "$TESTS_DIR/lib.sh"

cat > job.sh <<'JOB'
#!/bin/bash
echo "launched with: $*" >> launches.txt
[ "${1:-}" = --resume-from ] && exit "${AGAIN:-0}"
for i in 1 2 3; do
  echo "CKPT pos-$i-MARKER" >&3
  # Each commit lands before the next record: wait for it to be on disk.
  until "$CKWRAP" inspect "$CKWRAP_STATE_DIR" 2>/dev/null | grep -qx "position: pos-$i-MARKER"; do sleep 0.01; done
done
exit 1
JOB
chmod +x job.sh
export CKWRAP

# flip FILE TEXT: changes the last byte of the one occurrence of TEXT in FILE
# ("R" to "S"), so the string keeps its length.
flip() {
  python3 - "$1" "$2" <<'PY'
import sys
path, text = sys.argv[1], sys.argv[2].encode()
data = bytearray(open(path, "rb").read())
assert data.count(text) == 1, f"{text!r} occurs {data.count(text)} times in {path}"
at = data.index(text) + len(text) - 1
data[at] ^= ord("R") ^ ord("S")
open(path, "r+b").write(data)
PY
}

run_ckwrap --state-dir st --max-restarts 0 -- ./job.sh
assert_eq 1 "$rc" "first run fails"
# A run's first commit is a snapshot of what it loaded: after a second run the
# newest snapshot holds the position, the previous generation's journal too.
AGAIN=1 run_ckwrap --state-dir st --max-restarts 0 -- ./job.sh
assert_eq 1 "$rc" "second run fails"
mapfile -t gens < <(ls st/checkpoint.* | sort)
assert_eq 2 "${#gens[@]}" "generations kept"
newest=${gens[1]}
assert_eq pos-3-MARKER "$(checkpoint_position st)" "committed position"
size=$(stat -c %s "$newest")
flip "$newest" pos-3-MARKER
assert_eq "$size" "$(stat -c %s "$newest")" "size kept"
grep -qaF pos-3-MARKES "$newest" || fail "the byte was not flipped"

"$CKWRAP" inspect "$newest" > inspect.out 2> inspect.err && fail "inspect accepted a file whose checksum fails: $(cat inspect.out)"
assert_contains inspect.err "$newest" "inspect names the bad file"
assert_contains inspect.err "checksum mismatch" "inspect names the fault"
"$CKWRAP" inspect st > inspect.txt 2> inspect.err
assert_contains inspect.txt "file: ${gens[0]}" "inspect of the directory uses the previous generation"
assert_contains inspect.txt "position: pos-3-MARKER" "the true position"
grep -qF MARKES inspect.txt && fail "the damaged position was shown"

run_ckwrap --state-dir st -- ./job.sh
assert_eq 0 "$rc" "resumed run"
assert_contains ckwrap.err "checkpoint rejected: $newest" "fallback is loud"
assert_contains ckwrap.err "checksum mismatch" "the fault named"
assert_eq "launched with: --resume-from pos-3-MARKER" "$(tail -n 1 launches.txt)" \
  "resumed from the previous generation's true position"

# Every generation damaged inside a string: refused, the job not launched.
# (Two resumed runs that fail again leave two snapshots holding the position:
# each run's first commit snapshots what it loaded.)
rm -rf st launches.txt
run_ckwrap --state-dir st --max-restarts 0 -- ./job.sh
AGAIN=1 run_ckwrap --state-dir st --max-restarts 0 -- ./job.sh
AGAIN=1 run_ckwrap --state-dir st --max-restarts 0 -- ./job.sh
assert_eq 1 "$rc" "the resumed run fails again"
for f in st/checkpoint.*; do flip "$f" pos-3-MARKER; done
run_ckwrap --state-dir st -- ./job.sh
assert_eq 125 "$rc" "no generation verifies"
for f in st/checkpoint.*; do assert_contains ckwrap.err "$f: checksum mismatch" "error names $f and its fault"; done
assert_eq 3 "$(wc -l < launches.txt)" "job not launched over damaged checkpoints"
pass "a flipped payload byte fails the checksum: previous generation used, all-bad refused"
