#!/usr/bin/env bash
# Every v1 verb is recorded; malformed lines, unknown verbs and overlong lines
# are reported with their line number and skipped; \r\n and records split
# across writes are accepted; a last line without '\n' still counts.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

cat > job.sh <<'JOB'
#!/bin/bash
{
  printf 'CKPT 10\r\n'
  printf 'DONE item-a\n'
  printf 'DONE item b\n'
  printf 'FAIL item-c timeout after 30s\n'
  printf 'STATE cursor abc 123\n'
  printf 'PROGRESS 4 10\n'
  printf 'BOGUS verb\n'
  printf 'PROGRESS four\n'
  head -c 70000 /dev/zero | tr '\0' x; printf '\n'
  printf 'CK'; sleep 0.05; printf 'PT 42\n'
  printf 'DONE item-d'
} >&3
exit 7
JOB
chmod +x job.sh
run_ckwrap --state-dir st --max-restarts 0 -- ./job.sh
assert_eq 7 "$rc" "job status"
assert_contains ckwrap.err "protocol line 7" "unknown verb line number"
assert_contains ckwrap.err "BOGUS" "unknown verb named"
assert_contains ckwrap.err "protocol line 8" "malformed PROGRESS line number"
assert_contains ckwrap.err "protocol line 9" "overlong line number"
"$CKWRAP" inspect st > inspect.txt
assert_contains inspect.txt "position: 42" "split CKPT"
assert_contains inspect.txt "done: 3" "DONE ids incl. one with a space and a final unterminated line"
assert_contains inspect.txt "item-c: timeout after 30s" "FAIL reason"
assert_contains inspect.txt "cursor = abc 123" "STATE value"
assert_contains inspect.txt "progress: 4/10" "PROGRESS"
"$CKWRAP" inspect --json st > inspect.json
assert_contains inspect.json '"item b"' "json done id"
pass "protocol verbs, errors with line numbers"
