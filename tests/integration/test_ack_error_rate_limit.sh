#!/usr/bin/env bash
# A job that sends SYNC and never reads fd 4 fills the acknowledgement pipe;
# every acknowledgement after that fails with EAGAIN. The error is logged at a
# bounded rate (the first few, then one "N more like this suppressed" line),
# not once per token: issue 17 saw 166,391 such lines in 5 s.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

cat > job.sh <<'JOB'
#!/bin/bash
# Long tokens fill the 64 KiB pipe after some 60 acknowledgements.
pad=$(printf '%01000d' 0)
end=$((SECONDS + 3))
i=0
while [ $SECONDS -lt $end ]; do
  echo "CKPT $i"
  echo "SYNC t$i$pad"
  i=$((i + 1))
done >&3
echo "$i" > syncs
JOB
chmod +x job.sh

run_ckwrap --state-dir st -- ./job.sh
assert_eq 0 "$rc" "exit status"
lines=$(grep -c "acknowledgement not sent" ckwrap.err || true)
syncs=$(cat syncs)
[ "$lines" -ge 1 ] || fail "no acknowledgement error logged at all ($syncs SYNCs)"
[ "$lines" -le 10 ] || fail "$lines 'acknowledgement not sent' lines for $syncs SYNCs: not rate-limited"
assert_contains ckwrap.err "more like this suppressed (acknowledgement not sent)" "the summary line"
pass "ack errors rate-limited: $lines lines for $syncs SYNCs"
