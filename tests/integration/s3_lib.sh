#!/usr/bin/env bash
# The set-up the S3 tests (test_s3_*.sh) share, sourced after lib.sh: a
# real S3-compatible server, Ceph 16's gateway on one node
# (scripts/engines/ceph-up; the test is skipped, 77, when the machine
# cannot run it), its credentials exported (the AWS_* variables), and an
# empty bucket of the test's own, $bucket. A cluster already running is
# used and kept; one the test starts is stopped when it exits. Beside
# another checkout's cluster: CKWRAP_CEPH_PORT and CKWRAP_CEPH_MON_PORT
# (scripts/engines/ceph-up).
# Sets ENGINES (scripts/engines) and run (the cluster's run directory).
: "${S3_PROBE:?set S3_PROBE to the s3_probe binary}"
ENGINES=$(cd "$TESTS_DIR/../../scripts/engines" && pwd)
run=$(cd "$TESTS_DIR/../.." && pwd)/build/engines/ceph

was_up=0
curl -s -o /dev/null --max-time 2 "http://127.0.0.1:${CKWRAP_CEPH_PORT:-7480}/" && was_up=1
finish() {
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
