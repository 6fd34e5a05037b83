#!/usr/bin/env bash
# --backoff D is honoured: a job that crashes at once is relaunched after a
# delay drawn from [D/2, D] (the jitter of SUPERVISION in ckwrap(1)), each
# time a run made progress. Checked from both sides: the restart event's
# delay_ms, and the time the job itself measured from its crash to its next
# start (the relaunch timer starts only once ckwrap has seen the crash, so
# that gap is never below the delay).
TESTS_DIR=${TESTS_DIR:-$(dirname "$0")}
# shellcheck source=lib.sh
source "$TESTS_DIR/lib.sh"

# Each attempt logs "start NS", makes progress (CKPT n) and logs "crash NS"
# just before it exits 3; the third attempt succeeds.
cat > job.sh <<'JOB'
#!/bin/bash
echo "start $(date +%s%N)" >> times.txt
n=$(grep -c '^start' times.txt)
echo "CKPT $n" >&3
[ "$n" -ge 3 ] && exit 0
echo "crash $(date +%s%N)" >> times.txt
exit 3
JOB
chmod +x job.sh

run_ckwrap --state-dir st --backoff 300ms --events events.jsonl -- ./job.sh
assert_eq 0 "$rc" "the third attempt succeeds"
assert_eq "launch exit restart launch exit restart launch exit finish" \
  "$(sed 's/.*"event":"\([a-z]*\)".*/\1/' events.jsonl | grep -v commit | paste -sd' ')" \
  "event sequence"

# The drawn delays: in [150, 300] ms (each run progressed: no doubling).
mapfile -t delays < <(sed -n 's/.*"event":"restart","delay_ms":\([0-9]*\).*/\1/p' events.jsonl)
assert_eq 2 "${#delays[@]}" "restart events with a delay"
for d in "${delays[@]}"; do
  [ "$d" -ge 150 ] && [ "$d" -le 300 ] || fail "restart delay_ms $d outside [150, 300] for --backoff 300ms"
done
assert_contains ckwrap.err "relaunching in ${delays[0]} ms" "the delay is logged"

# The wait the job saw, crash to next start: at least the delay (less 1 ms,
# the timer's millisecond rounding), and never below D/2; generous above.
mapfile -t gaps < <(awk '$1 == "crash" { c = $2 } $1 == "start" && c { print int(($2 - c) / 1000000); c = 0 }' times.txt)
assert_eq 2 "${#gaps[@]}" "relaunches measured by the job"
for i in 0 1; do
  [ "${gaps[i]}" -ge $((delays[i] - 1)) ] && [ "${gaps[i]}" -ge 149 ] ||
    fail "relaunch $((i + 1)) came ${gaps[i]} ms after the crash; the drawn delay was ${delays[i]} ms"
  [ "${gaps[i]}" -lt 10000 ] || fail "relaunch $((i + 1)) took ${gaps[i]} ms"
done
# The events agree: from the exit event to the next launch event.
mapfile -t event_gaps < <(awk -F'[:,]' '/"event":"exit"/ { e = $2 } /"event":"launch"/ && e { print $2 - e; e = 0 }' events.jsonl)
for i in 0 1; do
  [ "${event_gaps[i]}" -ge 140 ] || fail "exit to launch events: ${event_gaps[i]} ms, below D/2 (150 ms)"
done
pass "--backoff 300ms: delays ${delays[*]} ms, relaunched ${gaps[*]} ms after the crashes"
