#!/usr/bin/env bash
# On a terminal the job's group gets the terminal: it reads its input there,
# and Ctrl-C stops it without a relaunch (exit 130); the next run resumes.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || fail "python3 missing (scripts/install-deps installs it)"

cat > job.sh <<'JOB'
#!/bin/bash
echo "${*:-fresh}" >> launches.txt
echo "CKPT 3" >&3
read -r -p "name? " name
echo "hello $name"
echo "ready for ctrl-c"
while :; do sleep 0.05; done
JOB
chmod +x job.sh
cat > drive.py <<'PY'
# Plays a user at a terminal: answers the prompt, then presses Ctrl-C.
import os, pty, sys, time
pid, master = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
seen = b""
def expect(text, deadline=20):
    global seen
    end = time.time() + deadline
    while text not in seen:
        if time.time() > end:
            sys.exit("timed out waiting for %r; saw %r" % (text, seen))
        try:
            seen += os.read(master, 4096)
        except OSError:
            sys.exit("terminal closed; saw %r" % seen)
expect(b"name? ")
os.write(master, b"world\n")
expect(b"ready for ctrl-c")
os.write(master, b"\x03")
while True:
    try:
        chunk = os.read(master, 4096)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
_, status = os.waitpid(pid, 0)
open("terminal.txt", "wb").write(seen)
sys.exit(os.waitstatus_to_exitcode(status))
PY
rc=0
python3 drive.py "$CKWRAP" --quiet --state-dir st -- ./job.sh || rc=$?
assert_eq 130 "$rc" "Ctrl-C stops with 130"
assert_contains terminal.txt "hello world" "job read the terminal"
if grep -q "ckwrap:" terminal.txt; then fail "--quiet: ckwrap wrote to the terminal"; fi
assert_eq 1 "$(wc -l < launches.txt)" "not relaunched"
printf '#!/bin/bash\necho "${*:-fresh}" >> launches.txt\n' > job.sh
run_ckwrap --state-dir st -- ./job.sh
assert_eq "--resume-from 3" "$(tail -n 1 launches.txt)" "next run resumes"
pass "terminal handed to the job; Ctrl-C is a stop"
