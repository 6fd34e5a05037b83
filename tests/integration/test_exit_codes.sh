#!/usr/bin/env bash
# ckwrap's exit status is the job's: 0, N, 128+signal; 126 and 127 as a shell.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

printf '#!/bin/sh\nexit 0\n' > ok.sh
printf '#!/bin/sh\nexit 1\n' > fails.sh
printf '#!/bin/sh\nkill -9 $$\n' > killed.sh
printf '#!/bin/sh\nexit 0\n' > not_executable.sh
chmod +x ok.sh fails.sh killed.sh

run_ckwrap -- ./ok.sh
assert_eq 0 "$rc" "exit 0"
run_ckwrap --max-restarts 0 -- ./fails.sh
assert_eq 1 "$rc" "exit 1"
run_ckwrap --max-restarts 0 -- ./killed.sh
assert_eq 137 "$rc" "SIGKILL"
run_ckwrap -- ./not_executable.sh
assert_eq 126 "$rc" "not executable"
assert_contains ckwrap.err "not_executable.sh" "126 message names the command"
run_ckwrap -- ./no_such_file
assert_eq 127 "$rc" "missing path"
run_ckwrap -- no-such-command-anywhere
assert_eq 127 "$rc" "not in PATH"
assert_contains ckwrap.err "no-such-command-anywhere: command not found" "127 message"
PATH="$PWD:$PATH" run_ckwrap -- ok.sh
assert_eq 0 "$rc" "found through PATH"
run_ckwrap --max-restarts 2 --backoff 0 -- ./fails.sh
assert_eq 76 "$rc" "the restart budget used up without progress: 76"
assert_eq 3 "$(grep -c 'exited with status 1' ckwrap.err)" "three attempts with --max-restarts 2"
run_ckwrap --bogus -- ./ok.sh
assert_eq 125 "$rc" "unknown option"
assert_contains ckwrap.err "--bogus" "message names the option"
run_ckwrap --max-restarts lots -- ./ok.sh
assert_eq 125 "$rc" "bad value"
assert_contains ckwrap.err "'lots' for --max-restarts" "message names option and value"
pass "exit codes 0 1 137 126 127 125"
