#!/usr/bin/env bash
# Positions and ids come from the job: a control sequence in one
# (CKPT pos ESC ]0;pwn BEL sets an xterm's title) is shown escaped as \xNN in
# ckwrap's messages ("gave up ... position", "resuming from") and in the text
# of inspect and status, never raw. A NUL in a position is refused at parse
# time with the line number, and the position before it stays.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

no_raw_control() {
  if grep -qP '[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' "$1"; then
    od -c "$1" | head -20 >&2
    fail "$2: a raw control byte in $1"
  fi
}

printf '#!/bin/sh\nprintf "CKPT pos\\033]0;pwn\\007\\nDONE id\\302\\233x\\n" >&3\nexit 3\n' > job.sh
chmod +x job.sh
run_ckwrap --state-dir st --max-restarts 0 -- ./job.sh
assert_eq 3 "$rc" "gave up with the job's status"
no_raw_control ckwrap.err "the give-up message"
assert_contains ckwrap.err 'pos\x1b]0;pwn\x07' "the position shown escaped"

run_ckwrap --state-dir st --max-restarts 0 -- ./job.sh
no_raw_control ckwrap.err "the resume message"
assert_contains ckwrap.err 'resuming from pos\x1b]0;pwn\x07' "resuming from, escaped"

"$CKWRAP" inspect st > inspect.txt
no_raw_control inspect.txt "inspect"
assert_contains inspect.txt 'position: pos\x1b]0;pwn\x07' "inspect's position"
"$CKWRAP" status st > status.txt
no_raw_control status.txt "status"
assert_contains status.txt 'position: pos\x1b]0;pwn\x07' "status's position"

# NUL: refused where it is read, naming the line.
rm -rf st
printf '#!/bin/sh\nprintf "CKPT good\\nCKPT bad\\000tail\\n" >&3\nexit 0\n' > nul.sh
chmod +x nul.sh
run_ckwrap --state-dir st -- ./nul.sh
assert_eq 0 "$rc" "exit status"
assert_contains ckwrap.err "protocol line 2 (attempt 1): CKPT position contains a NUL byte; skipped" \
  "the line number and the reason"
assert_eq good "$(checkpoint_position st)" "the position before the NUL line"
pass "control bytes escaped in messages, inspect and status; NUL refused at parse time"
