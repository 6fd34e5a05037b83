#!/usr/bin/env bash
# --protocol-on stdout|stderr: lines behind the prefix are records and are
# consumed; every other byte passes through unchanged and in order (binary,
# large, a partial last line, a prompt without a newline shown at once), and a
# closed stdout loses no record.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# ---- byte-exact pass-through of 2 MiB of binary, records consumed ----
head -c 2097152 /dev/urandom > data.bin
cat > job.sh <<'JOB'
#!/bin/bash
printf 'first line\n@ckwrap CKPT 3\nsecond line\n'
cat data.bin
printf '\n@ckwrap CKPT 7\r\n@ckwrap DONE item-1\nno-newline-at-end'
JOB
chmod +x job.sh
{ printf 'first line\nsecond line\n'; cat data.bin; printf '\nno-newline-at-end'; } > expected.bin
rc=0
"$CKWRAP" --state-dir st --protocol-on stdout -- ./job.sh > out.bin 2> ckwrap.err || rc=$?
assert_eq 0 "$rc" "job status"
cmp expected.bin out.bin || fail "stdout pass-through is not byte-exact"
"$CKWRAP" inspect st > inspect.txt
assert_contains inspect.txt "position: 7" "record behind the prefix on stdout"
assert_contains inspect.txt "done: 1" "DONE behind the prefix"
assert_contains inspect.txt "records: 3" "exactly the three prefixed lines were records"
pass "stdout: 2 MiB binary passed through byte-exact, records consumed"

# ---- a custom prefix on stderr; ckwrap's stdout untouched ----
cat > job2.sh <<'JOB'
#!/bin/bash
echo "to stdout"
echo "warn: one" >&2
echo "#ck# CKPT 12" >&2
echo "warn: two" >&2
exit 0
JOB
chmod +x job2.sh
rc=0
"$CKWRAP" --state-dir st2 --protocol-on stderr --protocol-prefix '#ck# ' -- ./job2.sh \
  > out2.txt 2> err2.txt || rc=$?
assert_eq 0 "$rc" "stderr job status"
assert_eq "to stdout" "$(cat out2.txt)" "stdout not piped"
assert_eq "warn: one
warn: two" "$(grep -v '^ckwrap: ' err2.txt)" "stderr pass-through in order"
"$CKWRAP" inspect st2 | grep -q "position: 12" || fail "record on stderr"
pass "stderr with a custom prefix"

# ---- a prompt without a newline arrives while the job still runs ----
mkfifo out.fifo go.fifo
cat > job3.sh <<'JOB'
#!/bin/bash
printf 'ready> '
read -r answer < go.fifo
printf '%s\n@ckwrap CKPT 1\n' "$answer"
JOB
chmod +x job3.sh
"$CKWRAP" --state-dir st3 --protocol-on stdout -- ./job3.sh > out.fifo 2> err3.txt &
pid=$!
exec 4< out.fifo
prompt=""
IFS= read -r -t 20 -N 7 prompt <&4 || true
assert_eq "ready> " "$prompt" "partial line delivered before the job goes on"
echo yes > go.fifo
IFS= read -r -t 20 rest <&4 || true
assert_eq "yes" "$rest" "the rest of the line"
exec 4<&-
wait "$pid" || fail "prompt job failed"
pass "a prompt without a newline is shown at once"

# ---- ckwrap's stdout closed early: records still read ----
cat > job4.sh <<'JOB'
#!/bin/bash
for i in $(seq 1 50000); do echo "line $i of output"; done
echo "@ckwrap CKPT 2000"
JOB
chmod +x job4.sh
set +o pipefail
"$CKWRAP" --state-dir st4 --protocol-on stdout -- ./job4.sh 2> err4.txt | head -c 10 > /dev/null
status=${PIPESTATUS[0]}
set -o pipefail
assert_eq 0 "$status" "ckwrap status with a closed stdout"
assert_contains err4.txt "Broken pipe" "the lost output is reported"
"$CKWRAP" inspect st4 | grep -q "position: 2000" || fail "record after EPIPE lost"
pass "closed stdout: output dropped, records kept"
