#!/usr/bin/env bash
# The README's systemd unit (examples/recipes/import.service, as printed)
# under a real systemd 252, PID 1 of a booted Debian 12 container
# (scripts/engines/systemd-up). Skipped (77) when the machine cannot boot it
# (not root, packages unreachable).
#  1. systemctl stop: the job gets the checkpoint signal before TERM
#     (KillMode=mixed), ckwrap exits 75, the unit is inactive, not failed
#     (SuccessExitStatus=75); the next start resumes.
#  2. kill -9 of ckwrap: systemd restarts it (Restart=on-failure); it resumes
#     and finishes; the unit ends inactive, status 0.
#     Type=notify: systemctl status shows ckwrap's STATUS= line.
#  3. A poison item (the job dies without progress): ckwrap gives up with 76
#     and the unit stays failed, not restarted (RestartPreventExitStatus=76).
#  4. The progress watchdog (WatchdogSec=, shortened by a drop-in): a job that
#     hangs without records is stopped by systemd (TERM, as the unit says),
#     restarted, and resumes; a slow job that keeps sending records is not.
TESTS_DIR=${TESTS_DIR:-$(dirname "$0")}
ENGINES=$(cd "$TESTS_DIR/../../scripts/engines" && pwd)
UNIT=$(cd "$TESTS_DIR/../../examples/recipes" && pwd)/import.service
# shellcheck source=lib.sh
. "$TESTS_DIR/lib.sh"

mkdir share
cp "$UNIT" share/import.service
rc=0
leader=$("$ENGINES/systemd-up" "$PWD/run" "$CKWRAP" "$PWD/share") || rc=$?
[ "$rc" = 77 ] && { echo "SKIP: no systemd container on this machine (above)"; exit 77; }
[ "$rc" = 0 ] || fail "systemd-up failed ($rc)"
finish() {
  "$ENGINES/systemd-down" "$SCRATCH/run"
  cleanup
}
trap finish EXIT

in_container() { nsenter -t "$leader" -m -u -i -n -p -- "$@"; }
prop() { in_container systemctl show -p "$1" --value import; }
prop_is() { [ "$(prop "$1")" = "$2" ]; }
position() { in_container ckwrap inspect /var/lib/import 2>/dev/null | sed -n 's/^position: //p'; }
at_least() {
  local p
  p=$(position)
  [[ "$p" =~ ^[0-9]+$ ]] && [ "$p" -ge "$1" ]
}
show_journal() { in_container journalctl -q --no-pager -u import >&2 || true; }
# expect PROPERTY VALUE WHAT
expect() {
  local got
  got=$(prop "$1")
  [ "$got" = "$2" ] || { show_journal; fail "$3: $1 expected '$2', got '$got'"; }
}

cat > share/import.sh <<'JOB'
#!/bin/bash
# Items 0..79 of 0.1 s each; a CKPT after each, and on USR1 at once.
start=0
[ "${1:-}" = --resume-from ] && start=$2
echo "from=$start" >> /share/attempts
i=$start
trap 'echo usr1 >> /share/signals; echo "CKPT $i" >&3' USR1
trap 'echo term >> /share/signals; exit 143' TERM
for ((; i < 80; i++)); do
  echo "$i" >> /share/out
  sleep 0.1 & wait $!
  echo "CKPT $((i + 1))" >&3
done
JOB
chmod +x share/import.sh
in_container sh -c 'cp /share/import.service /etc/systemd/system/ && cp /share/import.sh /opt/ &&
  systemctl daemon-reload'
# Quicker relaunches for the poison item, through the manager's environment
# so that the unit stays as printed.
in_container systemctl set-environment CKWRAP_BACKOFF=100ms
in_container systemctl log-level debug

# ---- 1. systemctl stop: inactive, not failed; the start resumes. ----
in_container systemctl start import
wait_until 30 at_least 10
# Type=notify: systemctl start returned on READY=1; STATUS= is shown.
wait_until 10 sh -c "nsenter -t $leader -m -u -i -n -p -- systemctl show -p StatusText --value import | grep -q '^position [0-9]'"
in_container systemctl status import > status || true
assert_contains status "Status: \"position " "systemctl status shows ckwrap's STATUS="
echo "notify: $(grep -m1 'Status:' status | sed 's/^ *//')"
in_container systemctl stop import
expect ActiveState inactive "stop (SuccessExitStatus=75)"
# An inactive unit is unloaded at once (ExecMainStatus is gone with it):
# systemd's debug log has the status.
in_container journalctl -q --no-pager -u import > journal
assert_contains journal "status=75/TEMPFAIL" "stop: ckwrap's status 75"
assert_contains journal "import.service: Deactivated successfully" "stop: not failed"
assert_eq "usr1 term" "$(head -n 2 share/signals | tr '\n' ' ' | sed 's/ $//')" \
  "stop: the checkpoint signal before TERM (KillMode=mixed)"
saved=$(position)
echo "stop: inactive/success, status 75, saved at $saved"

# ---- 2. kill -9 of ckwrap: restarted, resumes, finishes. ----
in_container systemctl start import
wait_until 30 at_least $((saved + 5))
restarts=$(prop NRestarts)
in_container kill -9 "$(prop MainPID)"
wait_until 30 prop_is NRestarts $((restarts + 1))
wait_until 60 prop_is ActiveState inactive
in_container journalctl -q --no-pager -u import > journal
assert_contains journal "status=9/KILL" "kill -9"
grep -q "Scheduled restart job, restart counter is at $((restarts + 1))" journal ||
  { cat journal >&2; fail "kill -9: restart"; }
assert_eq 80 "$(sort -nu share/out | wc -l)" "every item done"
mapfile -t froms < <(sed 's/^from=//' share/attempts)
assert_eq 3 "${#froms[@]}" "three runs: start, start, restart"
[ "${froms[1]}" = "$saved" ] || fail "the second start resumes at $saved, not ${froms[1]}"
[ "${froms[2]}" -gt "$saved" ] || fail "the restart after kill -9 resumes (${froms[2]})"
redone=$(($(wc -l < share/out) - 80))
echo "kill -9: restarted once (NRestarts $restarts -> $((restarts + 1))), resumed at ${froms[2]}," \
  "done, inactive; runs from ${froms[*]}; items redone $redone"

# ---- 3. A poison item: 76, failed, not restarted. ----
printf '#!/bin/sh\necho "from=${2:-0}" >> /share/poison\necho "CKPT 1" >&3\nkill -9 $$\n' \
  > share/import.sh
in_container sh -c 'cp /share/import.sh /opt/ && rm -rf /var/lib/import'
restarts=$(prop NRestarts)
in_container systemctl start import
wait_until 60 prop_is ActiveState failed
expect ExecMainStatus 76 "poison item"
expect Result exit-code "poison item"
expect NRestarts "$restarts" "poison item: not restarted"
echo "poison: failed, status 76, $(wc -l < share/poison) runs inside ckwrap, NRestarts unchanged"

# ---- 4. The progress watchdog: a hung job is restarted and resumes. ----
cat > share/import.sh <<'JOB'
#!/bin/bash
# Items 0..39 of 0.3 s each (longer than a watchdog tick); item 20 hangs once.
start=0
[ "${1:-}" = --resume-from ] && start=$2
echo "from=$start" >> /share/watchdog
trap 'echo term >> /share/watchdog; exit 143' TERM
for ((i = start; i < 40; i++)); do
  [ "$i" = 20 ] && [ ! -e /share/hung ] && { touch /share/hung; sleep 1000 & wait $!; }
  sleep 0.3 & wait $!
  echo "CKPT $((i + 1))" >&3
done
JOB
in_container sh -c 'cp /share/import.sh /opt/ && rm -rf /var/lib/import &&
  mkdir -p /etc/systemd/system/import.service.d &&
  printf "[Service]
WatchdogSec=2s
" > /etc/systemd/system/import.service.d/watchdog.conf &&
  systemctl daemon-reload'
restarts=$(prop NRestarts)
seen=$(in_container journalctl -q --no-pager -u import | wc -l)
in_container systemctl start import
wait_until 60 prop_is NRestarts $((restarts + 1))
wait_until 60 prop_is ActiveState inactive
in_container journalctl -q --no-pager -u import | tail -n +$((seen + 1)) > journal
assert_contains journal "Watchdog timeout (limit 2s)" "watchdog: the hung job"
assert_contains journal "(ckwrap) with signal SIGTERM" "watchdog: TERM to ckwrap (WatchdogSignal)"
mapfile -t runs < share/watchdog
assert_eq "from=0 term from=20" "${runs[*]}" "watchdog: one hang, stopped with TERM, resumed at 20"
# (An inactive unit is unloaded: its NRestarts is gone; the journal counts.)
assert_eq 1 "$(grep -c 'Scheduled restart job' journal)" \
  "watchdog: restarted once, for the hang; items of 0.3 s never"
echo "watchdog: hung at 20, 'Watchdog timeout (limit 2s)', TERM to ckwrap, restarted once," \
  "resumed at 20, finished, inactive"
pass "systemd: stop leaves inactive and resumes, kill -9 restarts and resumes, 76 stays failed," \
  "a hung job is restarted by the progress watchdog"
