#!/usr/bin/env bash
# The set-up the S3 tests (test_s3_*.sh) share, sourced after lib.sh: a
# real S3-compatible server, Ceph 16's gateway on one node
# (scripts/engines/ceph-up; the test is skipped, 77, when the machine
# cannot run it), its credentials exported (the AWS_* variables), and an
# empty bucket of the test's own, $bucket. A cluster already running is
# used and kept; one the test starts is stopped when it exits. Beside
# another checkout's cluster: CKWRAP_CEPH_PORT and CKWRAP_CEPH_MON_PORT
# (scripts/engines/ceph-up).
# Sets ENGINES (scripts/engines) and run (the cluster's run directory);
# gateway_stop and gateway_start stop and restart the gateway alone (its
# objects stay in the cluster), for the fault scenarios.
: "${S3_PROBE:?set S3_PROBE to the s3_probe binary}"
ENGINES=$(cd "$TESTS_DIR/../../scripts/engines" && pwd)
run=$(cd "$TESTS_DIR/../.." && pwd)/build/engines/ceph

gateway_answers() {
  curl -s -o /dev/null --max-time 2 "http://127.0.0.1:${CKWRAP_CEPH_PORT:-7480}/"
}

# gateway_stop: the S3 gateway (radosgw) stops; the cluster and its objects stay.
gateway_stop() {
  local pid
  pid=$(cat "$run/run/client.rgw.a.pid")
  kill -TERM "$pid"
  wait_until 30 gone "$pid"
}

# gateway_start: the gateway runs again over the same cluster and answers.
gateway_start() {
  # From /, as ceph-up starts it: lib.sh's cleanup kills whatever runs in
  # the test's scratch directory.
  (cd / && radosgw -c "$run/ceph.conf" -n client.rgw.a)
  wait_until 60 gateway_answers
}

was_up=0
gateway_answers && was_up=1
finish() {
  # A gateway a scenario stopped (gateway_stop) comes back for the next test.
  [ "$was_up" = 1 ] && ! gateway_answers && gateway_start
  [ "$was_up" = 1 ] || "$ENGINES/ceph-down" "$run" 2>/dev/null
  cleanup
}
trap finish EXIT
up_rc=0
"$ENGINES/ceph-up" "$run" || up_rc=$?
[ "$up_rc" = 77 ] && { echo "SKIP: no Ceph gateway on this machine (above)"; exit 77; }
[ "$up_rc" = 0 ] || fail "ceph-up failed ($up_rc)"
# shellcheck source=/dev/null
. "$run/env"

bucket=ckwrap-test-$$-$RANDOM
code=$(curl -s -o bucket.out -w '%{http_code}' -X PUT --aws-sigv4 "aws:amz:$AWS_REGION:s3" \
  --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
  "$AWS_ENDPOINT_URL/$bucket")
[ "$code" = 200 ] || { cat bucket.out >&2; fail "cannot create bucket $bucket (HTTP $code)"; }
