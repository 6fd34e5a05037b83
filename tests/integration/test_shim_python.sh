#!/usr/bin/env bash
# shim/ckwrap.py under python3: a job that crashes once resumes with each item
# processed once (the in-flight one twice) through pending() and the done
# file, every call reaches the checkpoint, args() drops the appended position,
# a bare run prints what a run under ckwrap prints, threads never interleave
# records, and bad records raise ValueError bare and wrapped alike.
TESTS_DIR=${TESTS_DIR:-$(dirname "$0")}
SHIM_DIR=$(cd "$TESTS_DIR/../../shim" && pwd)
# shellcheck source=lib.sh
. "$TESTS_DIR/lib.sh"

command -v python3 >/dev/null || fail "python3 is not installed (scripts/install-deps installs it)"
assert_eq "$SHIM_DIR/ckwrap.py" "$("$CKWRAP" --shim python)" "ckwrap --shim python"
export PYTHONPATH="$SHIM_DIR"

cat > job.py <<'JOB'
import os, signal, sys
import ckwrap

print("args:", ckwrap.args(), "attempt", ckwrap.attempt(), "resume", ckwrap.resume_from("none"))
print("saved state:", ckwrap.saved_state())
items = ["item-%02d" % i for i in range(12)]
for item in ckwrap.pending(items):
    with open("processed.txt", "a") as f:
        f.write(item + "\n")
    print(item)
    if item == os.environ.get("CRASH_AT") and ckwrap.attempt() == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    with ckwrap.item(item):
        pass
    ckwrap.progress(items.index(item) + 1, len(items))
    ckwrap.state("last", item)
ckwrap.checkpoint("end of list")
ckwrap.fail("bad-1", "no such row\nsecond line")
ckwrap.fail("bad-2")
try:
    with ckwrap.item("boom"):
        raise RuntimeError("kaput")
except RuntimeError:
    print("raised")
ckwrap.complete()
print("finished")
JOB

rm -f processed.txt
rc=0
CRASH_AT=item-05 "$CKWRAP" --backoff 0 --state-dir s -- python3 job.py "a b" >out.txt 2>ckwrap.err || rc=$?
assert_eq 0 "$rc" "exit status"
expected=$(for i in 00 01 02 03 04 05 05 06 07 08 09 10 11; do echo "item-$i"; done)
assert_eq "$expected" "$(sort processed.txt)" "each item once, the in-flight item-05 twice"
assert_eq 2 "$(grep -cx "args: \['a b'\] attempt [12] resume .*" out.txt)" "args() on both launches"
assert_contains out.txt "args: ['a b'] attempt 2 resume none" "no position: resumed through DONE ids only"
assert_contains out.txt "saved state: {'last': 'item-04'}" "CKWRAP_STATE_FILE read by saved_state()"
"$CKWRAP" inspect s > inspect.txt
assert_contains inspect.txt "position: end of list" "CKPT"
assert_contains inspect.txt "done: 12" "DONE through item()"
assert_contains inspect.txt "failed: 3" "FAIL"
assert_contains inspect.txt "  bad-1: no such row second line" "FAIL reason on one line"
assert_contains inspect.txt "  boom: RuntimeError: kaput" "item() records FAIL when the block raises"
assert_contains inspect.txt "  last = item-11" "STATE"
assert_contains inspect.txt "progress: 12/12" "PROGRESS"
assert_contains inspect.txt "complete: yes" "COMPLETE"
if grep 'protocol line' ckwrap.err; then fail "ckwrap saw a malformed record"; fi
pass "python3: crash and resume, records"

# Bare (no ckwrap, fd 3 closed) and wrapped: the same output.
rm -rf s processed.txt
rc=0
env -u CKWRAP_FD python3 job.py x 3>&- >bare.txt 2>bare.err || rc=$?
assert_eq 0 "$rc" "bare exit status"
[ ! -s bare.err ] || { cat bare.err >&2; fail "bare run wrote to stderr"; }
rm -f processed.txt
"$CKWRAP" --quiet --state-dir s -- python3 job.py x >wrapped.txt || fail "wrapped run failed"
cmp bare.txt wrapped.txt || fail "bare and wrapped output differ"
assert_eq 16 "$(wc -l < bare.txt)" "bare output lines"
pass "python3: bare = wrapped"

# 8 threads, 40 records of exactly PIPE_BUF bytes each: 320 intact records;
# refused records raise ValueError bare and wrapped alike, writing nothing.
cat > threads.py <<'JOB'
import threading
import ckwrap

pad = "x" * (4096 - len("DONE t0-000-\n"))
def work(t):
    for n in range(40):
        ckwrap.done("t%d-%03d-%s" % (t, n, pad))
threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
for t in threads: t.start()
for t in threads: t.join()
for bad in [lambda: ckwrap.done(pad + "y" * 20), lambda: ckwrap.done("a\nb"),
            lambda: ckwrap.fail("a b"), lambda: ckwrap.state("", "v")]:
    try:
        bad()
        print("accepted")
    except ValueError:
        print("refused")
JOB
rm -rf s
python3 threads.py > bare.txt
run_ckwrap --state-dir s -- python3 threads.py > wrapped.txt
cmp bare.txt wrapped.txt || fail "threads: bare and wrapped output differ"
assert_eq 0 "$rc" "threads exit"
"$CKWRAP" inspect --json s > t.json
grep -q '"done_count":320' t.json || fail "expected 320 intact DONE records"
if grep 'protocol line' ckwrap.err; then fail "interleaved records"; fi
assert_eq "refused refused refused refused" "$(tr '\n' ' ' < bare.txt | sed 's/ $//')" "refusals bare"
pass "python3: 8 threads never interleave; bad records refused"

# pending(key=...) reads CKWRAP_DONE_FILE; done_ids() ignores blank lines.
printf 'a\n\nc d\n' > done.txt
got=$(CKWRAP_DONE_FILE=done.txt python3 -c '
import ckwrap
print(sorted(ckwrap.done_ids()))
print([d["id"] for d in ckwrap.pending([{"id": "a"}, {"id": "b"}, {"id": "c d"}], key=lambda d: d["id"])])')
assert_eq "['a', 'c d']
['b']" "$got" "pending with a key"
pass "python3: pending(key=...)"
