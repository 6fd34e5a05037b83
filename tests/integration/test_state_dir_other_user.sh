#!/usr/bin/env bash
# The symlink attack of issue 17, run as another user. A state directory owned
# by someone else, or writable by its group, is refused (125) with a message
# that says why and how to fix it, and nothing in it is written. A journal
# name planted (a symlink, or a hard link) while ckwrap runs, pointing at a
# root-owned 0600 file, is never opened through: the victim keeps its bytes
# and the run still commits (the next commit is a snapshot). Needs root and
# setpriv; skipped otherwise.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
  echo "SKIP: needs root and setpriv"
  exit 0
fi
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
chmod 0711 "$SCRATCH"  # nobody may reach its own directory in here

printf 'root secret\n' > victim
chmod 0600 victim
before=$(md5sum < victim)
victim_unchanged() { assert_eq "$before" "$(md5sum < victim)" "$1: the victim"; }

# 1. Owned by nobody, with the journal of generation 1 planted by nobody.
mkdir -m 0755 theirs
chown nobody:nogroup theirs
as_nobody ln -s "$SCRATCH/victim" theirs/journal.00000000000000000001
printf '#!/bin/sh\necho "CKPT 1" >&3\necho "CKPT 2" >&3\n' > job.sh
chmod +x job.sh
run_ckwrap --state-dir theirs -- ./job.sh
assert_eq 125 "$rc" "a state directory owned by nobody"
assert_contains ckwrap.err "bad ownership: theirs is owned by uid $(id -u nobody), not by uid 0" \
  "the reason"
assert_contains ckwrap.err "chown 0 theirs" "the fix"
victim_unchanged "nobody's directory"

# 2. Ours, but writable by the group.
mkdir -m 0770 grp
run_ckwrap --state-dir grp -- ./job.sh
assert_eq 125 "$rc" "a group-writable state directory"
assert_contains ckwrap.err "bad permissions: grp is writable by group; chmod go-w grp" "message"
[ -z "$(ls grp)" ] || fail "ckwrap wrote into a group-writable directory"

# 3. Ours and private; the journal name is planted between the run's first
# snapshot (written before the launch) and the first journal append (the job
# does it as it starts), once as a symlink and once as a hard link.
cat > plant.sh <<'JOB'
#!/bin/sh
i=0  # the first snapshot may still be on its way (a worker thread writes it)
while ! ls st/checkpoint.* >/dev/null 2>&1; do
  i=$((i + 1)) && [ $i -lt 1000 ] || exit 9
  sleep 0.01
done
snap=$(cd st && ls checkpoint.* | tail -n 1)
$PLANT "$VICTIM" "st/journal.${snap#checkpoint.}"
echo "CKPT 1" >&3
echo "SYNC one" >&3
read -r _ <&4
echo "CKPT 2" >&3
echo "SYNC two" >&3
read -r _ <&4
JOB
chmod +x plant.sh
for plant in "ln -s" "ln"; do
  rm -rf st
  mkdir -m 0700 st
  PLANT=$plant VICTIM=$SCRATCH/victim run_ckwrap --state-dir st -- ./plant.sh
  assert_eq 0 "$rc" "run with a planted journal ($plant)"
  victim_unchanged "planted with $plant"
  assert_contains ckwrap.err "exists already" "the planted journal is reported"
  assert_eq 2 "$(checkpoint_position st)" "the commit after the plant ($plant)"
done
pass "other users' and group-writable state directories refused; planted journals never followed"
