#!/usr/bin/env bash
# docker stop style: TERM, then KILL after a grace, and a whole-supervisor
# restart, 20 times against one state directory: no committed progress lost,
# every item done, at most one redone per cycle. The job has far more items
# than 20 cycles reach even when each cycle's polling is slow (under
# AddressSanitizer): a job that finished early would start no job in the
# next cycle, and the read of "ready" would wait forever (it did, with 400).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

mkfifo ready
cat > job.sh <<'JOB'
#!/bin/bash
start=0
[ "${1:-}" = --resume-from ] && start=$2
echo $$ > ready
for ((i = start; i < 3000; i++)); do
  echo "$i" >> out.txt
  echo "CKPT $((i + 1))" >&3
  sleep 0.002
done
JOB
chmod +x job.sh
last=0
for cycle in $(seq 20); do
  "$CKWRAP" --state-dir st --grace 200ms -- ./job.sh 2>>ckwrap.err &
  supervisor=$!
  read -r job < ready
  # Let it advance past what was committed before, then stop it.
  wait_until 20 sh -c "[ \"\$(\"$CKWRAP\" inspect st 2>/dev/null | sed -n 's/^position: //p')\" -gt $last ]"
  if [ $((cycle % 2)) = 0 ]; then kill -TERM "$supervisor"; else kill -KILL -- "$supervisor" "-$job"; fi
  wait "$supervisor" 2>/dev/null || true
  position=$(checkpoint_position st)
  [ "$position" -ge "$last" ] || fail "cycle $cycle: committed position went back from $last to $position"
  last=$position
done
run_ckwrap --state-dir st -- ./job.sh &
read -r _ < ready
wait $! || fail "final run"
assert_eq 3000 "$(sort -n out.txt | uniq | wc -l)" "every item done"
# A graceful stop commits everything; a SIGKILL of the whole tree loses only
# what was not committed yet (group commit: a few records at most).
dups=$(( $(wc -l < out.txt) - 3000 ))
pass "20 stop/kill cycles, $dups items redone, no committed progress lost"
