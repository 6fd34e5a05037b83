#!/usr/bin/env bash
# A bash job over 500 items that SIGKILLs itself at 3 random points finishes
# with every item done, and at most the in-flight item redone per crash.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

cat > job.sh <<'JOB'
#!/bin/bash
start=0
[ "${1:-}" = --resume-from ] && start=$2
echo "$start" >> starts.txt
for ((i = start; i < 500; i++)); do
  echo "$i" >> out.txt
  if grep -qx "$i" crash_points.txt && [ ! -e "crashed.$i" ]; then
    touch "crashed.$i"
    kill -9 $$
  fi
  echo "CKPT $((i + 1))" >&3
done
JOB
chmod +x job.sh
shuf -i 1-498 -n 3 > crash_points.txt

run_ckwrap --backoff 0 -- ./job.sh
assert_eq 0 "$rc" "exit status after three crashes"
assert_eq 4 "$(wc -l < starts.txt)" "launches"
assert_eq 500 "$(sort -n out.txt | uniq | wc -l)" "distinct items done"
seq 0 499 | cmp -s - <(sort -n out.txt | uniq) || fail "items missing"
redone=$(( $(wc -l < out.txt) - 500 ))
[ "$redone" -le 3 ] || fail "$redone items redone for 3 crashes"
# Each relaunch started at the item that was in flight when it died.
for p in $(sort -n crash_points.txt); do grep -qx "$p" starts.txt || fail "no resume at $p"; done
assert_contains ckwrap.err "killed by signal 9" "crash reported"
pass "500 items, crashes at $(tr '\n' ' ' < crash_points.txt)redone $redone"
