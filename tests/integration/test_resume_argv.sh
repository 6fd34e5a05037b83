#!/usr/bin/env bash
# How the position reaches the job: --resume-from POS appended (one argv
# element, never through a shell), --resume-flag, {} templating, env only.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

cat > job.sh <<'JOB'
#!/bin/bash
printf '%s|' "$@" >> argv.txt; echo "env=${CKWRAP_RESUME_FROM-unset}" >> argv.txt
[ -e crashed ] && exit 0
touch crashed
echo 'CKPT a b; $(touch pwned) "q"' >&3
exit 1
JOB
chmod +x job.sh

run_ckwrap --backoff 0 --state-dir s1 -- ./job.sh x
assert_eq 0 "$rc" "default flag"
assert_eq 'x|--resume-from|a b; $(touch pwned) "q"|env=a b; $(touch pwned) "q"' \
  "$(sed -n 2p argv.txt | tr -d '\n')" "position verbatim as one element"
[ ! -e pwned ] || fail "position went through a shell"

rm -f crashed argv.txt
run_ckwrap --backoff 0 --state-dir s2 --resume-flag --start -- ./job.sh x
assert_eq '--start|a b; $(touch pwned) "q"|' "$(sed -n 2p argv.txt | cut -d'|' -f2-3)|" "--resume-flag"

rm -f crashed argv.txt
run_ckwrap --backoff 0 --state-dir s3 -- ./job.sh --from={} x
assert_eq 'x|env=unset' "$(sed -n 1p argv.txt)" "fresh start drops the templated argument"
assert_eq '--from=a b; $(touch pwned) "q"|x|' "$(sed -n 2p argv.txt | cut -d'|' -f1-2)|" "{} replaced"

rm -f crashed argv.txt
run_ckwrap --backoff 0 --state-dir s4 --resume-env-only -- ./job.sh x
assert_eq 'x|env=a b; $(touch pwned) "q"' "$(sed -n 2p argv.txt)" "env only"
pass "resume argv forms"
