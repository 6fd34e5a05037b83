#!/usr/bin/env bash
# ckwrap status over many shards: four state directories made by real runs
# (complete, stopped by TERM with 75, running with its job blocked on a fifo,
# stuck with 76) on one volume. `status d0 d1 d2 d3` and `status VOLUME` print
# a line per shard and a total (the counts per state, the sum of the DONE ids,
# the running shards' rate); --json gives {"jobs": [...], "total": {...}}.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

mkdir vol
mkfifo go
cat > complete.sh <<'JOB'
#!/bin/sh
printf 'DONE a\nDONE b\nDONE c\nDONE d\nFAIL z bad row\nDONE e\nPROGRESS 5 5\nCKPT 5\n' >&3
JOB
cat > stoppable.sh <<'JOB'
#!/bin/sh
printf 'DONE a\nDONE b\nDONE c\nCKPT 3\n' >&3
echo ready > stop.ready
while :; do sleep 0.05; done
JOB
cat > blocked.sh <<'JOB'
#!/bin/sh
printf 'DONE a\nPROGRESS 1 10\nCKPT 1\n' >&3
sleep 0.3
printf 'DONE b\nPROGRESS 2 10\nCKPT 2\n' >&3
read -r _ < go
JOB
cat > poison.sh <<'JOB'
#!/bin/sh
[ "${1:-}" = --resume-from ] && exit 1
printf 'DONE x\nCKPT 1\n' >&3
exit 1
JOB
chmod +x ./*.sh

run_ckwrap --state-dir vol/d0 -- ./complete.sh
assert_eq 0 "$rc" "shard 0 completes"
run_ckwrap --state-dir vol/d3 --backoff 0 --no-progress-limit 2 -- ./poison.sh
assert_eq 76 "$rc" "shard 3 gives up, stuck"
"$CKWRAP" --state-dir vol/d1 --grace 300ms -- ./stoppable.sh 2>stop.err &
stopped=$!
wait_until 10 test -s stop.ready
wait_until 10 sh -c '[ "$("$0" status vol/d1 --field done)" = 3 ]' "$CKWRAP"
kill -TERM "$stopped"
rc=0; wait "$stopped" || rc=$?
assert_eq 75 "$rc" "shard 1 is stopped by TERM"
"$CKWRAP" --state-dir vol/d2 -- ./blocked.sh 2>run.err &
running=$!
wait_until 10 sh -c '[ "$("$0" status vol/d2 --field done)" = 2 ]' "$CKWRAP"

# One state directory keeps its report (an object, not the fleet's shape).
assert_eq stuck "$("$CKWRAP" status vol/d3 --field state)" "a shard that gave up is stuck"
"$CKWRAP" status vol/d3 --json > one.json
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert "jobs" not in s and s["state"] == "stuck" and s["last_exit"] == 76, s' one.json

check_text() {
  assert_eq 5 "$(wc -l < "$1")" "$1: four shard lines and a total"
  assert_contains "$1" "vol/d0	complete	done=5	failed=1	" "$1: complete shard"
  assert_contains "$1" "vol/d1	stopped	done=3	failed=0	" "$1: stopped shard"
  assert_contains "$1" "vol/d2	running	done=2	failed=0	" "$1: running shard"
  assert_contains "$1" "pid=$running" "$1: running shard's supervisor"
  assert_contains "$1" "vol/d3	stuck	done=1	failed=0	" "$1: stuck shard"
  assert_contains "$1" "total	shards=4	running=1	stopped=1	complete=1	stuck=1	damaged=0	new=0	done=11	failed=1	" "$1: total"
  assert_contains "$1" "	eta=-" "$1: no fleet ETA while shards are stopped"
}
check_json() {
  python3 - "$1" "$running" <<'PY'
import json, sys
view = json.load(open(sys.argv[1]))
jobs, total = view["jobs"], view["total"]
assert [j["dir"] for j in jobs] == ["vol/d0", "vol/d1", "vol/d2", "vol/d3"], jobs
assert [j["state"] for j in jobs] == ["complete", "stopped", "running", "stuck"], jobs
assert [j["last_exit"] for j in jobs] == [0, 75, -1, 76], jobs
run = jobs[2]
assert run["supervisor_pid"] == int(sys.argv[2]), run
# 2 of 10 items in at least 0.3 s: a rate, and an ETA for the 8 left.
assert 0 < run["rate"] < 2 / 0.3 + 0.01 and run["eta_s"] >= 1, run
assert jobs[0]["eta_s"] == 0 and jobs[1]["eta_s"] == -1 and jobs[3]["eta_s"] == -1, jobs
assert total["done"] == sum(j["done"] for j in jobs) == 11, total
assert total["failed"] == 1 and total["shards"] == 4, total
assert [total[k] for k in ("running", "stopped", "complete", "stuck", "damaged", "new")] == [1, 1, 1, 1, 0, 0], total
assert total["rate"] == run["rate"] and total["eta_s"] == -1, total
PY
}

"$CKWRAP" status vol/d0 vol/d1 vol/d2 vol/d3 > dirs.txt
check_text dirs.txt
"$CKWRAP" status vol/d0 vol/d1 vol/d2 vol/d3 --json > dirs.json
check_json dirs.json
"$CKWRAP" status vol > vol.txt
check_text vol.txt
"$CKWRAP" status vol --json > vol.json
check_json vol.json

run_ckwrap status vol --field "done"
assert_eq 125 "$rc" "--field with many shards"
assert_contains ckwrap.err "--field needs one state directory" "names the mistake"
run_ckwrap status vol/d0 vol/nosuch
assert_eq 1 "$rc" "a missing shard directory"
assert_contains ckwrap.err "state directory vol/nosuch does not exist" "names it"

echo go > go
rc=0; wait "$running" || rc=$?
assert_eq 0 "$rc" "the running shard completes"
pass "status over shards"
