#!/usr/bin/env bash
# A bash job appending one line per item to out.csv (ck_checkpoint --sync
# after each) and SIGKILLed at 20 random points (after a whole line, in the
# middle of a line, or between the CKPT and its acknowledgement) ends with
# out.csv holding every item exactly once: --output truncates the appends
# after the last commit before each relaunch. A file that shrank or whose
# committed bytes changed is refused (125), not touched.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
SHIM=$("$CKWRAP" --shim sh)

cat > job.sh <<JOB
#!/bin/bash
. "$SHIM"
start=\$(ck_resume_from 0)
for ((i = start; i < 200; i++)); do
  crash=\$(grep "^\$i " crash_points.txt | cut -d' ' -f2)
  if [ -n "\$crash" ] && [ ! -e "crashed.\$i" ]; then touch "crashed.\$i"; else crash=; fi
  if [ "\$crash" = partial ]; then printf 'item,%s,par' "\$i" >> out.csv; kill -9 \$\$; fi
  printf 'item,%s,ok\n' "\$i" >> out.csv
  [ "\$crash" = line ] && kill -9 \$\$
  ck_checkpoint "\$((i + 1))"
  [ "\$crash" = ckpt ] && kill -9 \$\$
  ck_sync || exit 9
done
JOB
chmod +x job.sh
for p in $(shuf -i 0-199 -n 20); do
  echo "$p $(shuf -n 1 -e partial line ckpt)"
done > crash_points.txt

run_ckwrap --state-dir st --output out.csv --backoff 0 -- ./job.sh
assert_eq 0 "$rc" "exit status after 20 crashes"
assert_eq 20 "$(ls crashed.* | wc -l)" "crashes"
seq 0 199 | sed 's/.*/item,&,ok/' > expected.csv
cmp -s expected.csv out.csv || { diff expected.csv out.csv | head >&2; fail "out.csv is not every item exactly once"; }
"$CKWRAP" inspect st | grep -qx "output: $PWD/out.csv $(wc -c < out.csv) bytes" ||
  fail "inspect shows the committed size of out.csv"
"$CKWRAP" inspect --json st | grep -qF "\"outputs\":[{\"path\":\"$PWD/out.csv\",\"size\":$(wc -c < out.csv)}]" ||
  fail "inspect --json shows the committed size of out.csv"
truncations=$(grep -c "killed by signal 9" ckwrap.err)
assert_eq 20 "$truncations" "crashes seen by ckwrap"

# Refusals: a crash, then the committed part of out.csv is changed.
cat > crash.sh <<JOB
#!/bin/bash
. "$SHIM"
echo "line 1" >> out2.csv
ck_checkpoint --sync 1 || exit 9
echo "line 2" >> out2.csv
exit 3
JOB
chmod +x crash.sh
run_ckwrap --state-dir st2 --output out2.csv --restart never -- ./crash.sh
assert_eq 3 "$rc" "job's status with --restart never"
echo "line 1" > out2.csv.saved
: > out2.csv
run_ckwrap --state-dir st2 --output out2.csv -- ./crash.sh
assert_eq 125 "$rc" "resume with a shrunk output"
assert_contains ckwrap.err "out2.csv is 0 bytes, shorter than the 7 bytes the checkpoint recorded" "shrink reason"
assert_eq 0 "$(wc -c < out2.csv)" "a shrunk output is not touched"
echo "LINE 1 and more" > out2.csv
run_ckwrap --state-dir st2 --output out2.csv -- ./crash.sh
assert_eq 125 "$rc" "resume with changed committed bytes"
assert_contains ckwrap.err "out2.csv: its bytes before offset 7 are not those the checkpoint recorded" "tail reason"
assert_eq "LINE 1 and more" "$(cat out2.csv)" "a changed output is not touched"
pass "200 items, 20 SIGKILLs ($(cut -d' ' -f2 crash_points.txt | sort | uniq -c | tr -s ' \n' ' ')), out.csv exactly once; shrunk and changed outputs refused"
