#!/usr/bin/env bash
# The README's Docker recipe (examples/recipes/Dockerfile, run as the README
# prints: --restart on-failure:3 --stop-timeout 30, /state a volume) under
# docker_sim.py, which plays dockerd: the command as PID 1 of its own PID
# namespace, docker stop = TERM to PID 1 then KILL after the stop timeout, the
# restart policy as moby's restart manager applies it. Time runs ten times
# faster (the 30 s stop timeout is 3 s).
TESTS_DIR=${TESTS_DIR:-$(dirname "$0")}
RECIPES=$(cd "$TESTS_DIR/../../examples/recipes" && pwd)
SIM=$(cd "$TESTS_DIR" && pwd)/docker_sim.py
ROOT=$(cd "$TESTS_DIR/../.." && pwd)
# shellcheck source=lib.sh
. "$TESTS_DIR/lib.sh"
pid1_supported || { echo "SKIP: unshare --pid is not permitted here (the container's PID 1)"; exit 77; }

run_line='docker run --restart on-failure:3 --stop-timeout 30 -v import-state:/state import'
grep -qF "    $run_line" "$ROOT/README.md" || fail "README.md does not print: $run_line"

mkdir app
cat > app/import.sh <<'JOB'
#!/bin/bash
# Items 0..39; a CKPT after each. The output is on the volume.
start=0
[ "${1:-}" = --resume-from ] && start=$2
echo "from=$start" >> volume/runs
for ((i = start; i < 40; i++)); do
  echo "$i" >> volume/out
  sleep 0.02
  echo "CKPT $((i + 1))" >&3
done
JOB
chmod +x app/import.sh
# sim NAME ARGS...: the recipe's container under docker_sim.py in ./NAME.
sim() {
  local name=$1
  shift
  mkdir -p "$name"
  python3 "$SIM" "$RECIPES/Dockerfile" --ckwrap "$CKWRAP" --root "$name" --app app \
    --restart on-failure:3 --stop-timeout 30 "$@" > "$name.jsonl" 2> "$name.err" ||
    { cat "$name.jsonl" "$name.err" "$name"/run-*.log >&2; fail "$name: docker_sim failed"; }
}
exits() { python3 -c '
import json, sys
print(" ".join(str(json.loads(l)["exit"]) for l in open(sys.argv[1]) if "\"run\"" in l))' "$1"; }

# ---- 1. A crash (the OOM killer takes PID 1): restarted, resumes, done. ----
sim crash --event crash@10
assert_eq "137 0" "$(exits crash.jsonl)" "crash: restarted once by on-failure, then done"
assert_eq 40 "$(sort -nu crash/volume/out | wc -l)" "crash: every item"
from=$(sed -n 2p crash/volume/runs)
[ "${from#from=}" -ge 10 ] || fail "crash: the restart resumed at ${from#from=}"
echo "crash: runs exited $(exits crash.jsonl), resumed at ${from#from=}," \
  "items redone $(($(wc -l < crash/volume/out) - 40))"

# ---- 2. docker stop: 75 within the stop timeout, not restarted; docker start resumes. ----
sim stop --event stop@20 --event start
assert_eq "75 0" "$(exits stop.jsonl)" "stop: 75, no restart after a manual stop; start finishes"
grep -q '"killed": true' stop.jsonl && fail "stop: Docker had to KILL (ckwrap's grace is below the timeout)"
from=$(sed -n 2p stop/volume/runs)
[ "${from#from=}" -ge 20 ] || fail "stop: docker start resumed at ${from#from=}"
assert_eq 40 "$(sort -nu stop/volume/out | wc -l)" "stop: every item"

# ---- 3. --restart always: Docker starts a finished container again. ----
# The same command on a complete checkpoint exits 0 at once (--on-complete
# exit, the default): nothing is repeated, however often Docker restarts it.
mkdir -p always
python3 "$SIM" "$RECIPES/Dockerfile" --ckwrap "$CKWRAP" --root always --app app \
  --restart always --stop-timeout 30 --max-runs 3 > always.jsonl 2> always.err ||
  fail "always: docker_sim failed"
assert_eq "0 0 0" "$(exits always.jsonl)" "always: three runs, each exits 0"
assert_eq 40 "$(wc -l < always/volume/out)" "always: the items ran once, not three times"
assert_eq 1 "$(wc -l < always/volume/runs)" "always: the job was launched once"
grep -q "completed .*nothing to do (--on-complete exit)" always/run-2.log || { cat always/run-2.log >&2; fail "always: the rerun says why it does nothing"; }

# ---- 4. A poison item: 76; on-failure:3 gives up after three restarts. ----
printf '#!/bin/sh\necho "CKPT 1" >&3\nkill -9 $$\n' > app/import.sh
sim poison --env CKWRAP_BACKOFF=0
assert_eq "76 76 76 76" "$(exits poison.jsonl)" "poison: 76, restarted three times, then left stopped"
pass "docker (simulated): a crash restarts and resumes, docker stop is 75 and docker start resumes," \
  "always repeats nothing, 76 stops after on-failure:3"
