#!/usr/bin/env bash
# Shared by the tests against a real S3 gateway (Ceph 16's, one node, from
# scripts/engines/ceph-up): source after lib.sh, then call s3_up.
ENGINES=$(cd "$TESTS_DIR/../../scripts/engines" && pwd)
S3_RUN=$(cd "$TESTS_DIR/../.." && pwd)/build/engines/ceph
S3_WAS_UP=0

# s3_up: the gateway answers, its credentials are in the environment (the
# AWS_* variables), and a cluster this test started is stopped at its end.
# Skips the test (77) when the machine cannot run Ceph.
s3_up() {
  curl -s -o /dev/null --max-time 2 http://127.0.0.1:7480/ && S3_WAS_UP=1
  trap s3_finish EXIT
  local up_rc=0
  "$ENGINES/ceph-up" "$S3_RUN" || up_rc=$?
  [ "$up_rc" = 77 ] && { echo "SKIP: no Ceph gateway on this machine (above)"; exit 77; }
  [ "$up_rc" = 0 ] || fail "ceph-up failed ($up_rc)"
  # shellcheck source=/dev/null
  . "$S3_RUN/env"
  export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_ENDPOINT_URL AWS_REGION
}

s3_finish() {
  # A gateway a scenario stopped comes back for the next test.
  gateway_answers || gateway_start
  [ "$S3_WAS_UP" = 1 ] || "$ENGINES/ceph-down" "$S3_RUN" 2>/dev/null
  cleanup
}

# s3_bucket NAME: creates the bucket NAME.
s3_bucket() {
  local code
  code=$(curl -s -o bucket.out -w '%{http_code}' -X PUT --aws-sigv4 "aws:amz:$AWS_REGION:s3" \
    --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
    "$AWS_ENDPOINT_URL/$1")
  [ "$code" = 200 ] || { cat bucket.out >&2; fail "cannot create bucket $1 (HTTP $code)"; }
}

gateway_answers() {
  curl -s -o /dev/null --max-time 2 http://127.0.0.1:7480/
}

# gateway_stop: the S3 gateway (radosgw) stops; the cluster and its objects stay.
gateway_stop() {
  local pid
  pid=$(cat "$S3_RUN/run/client.rgw.a.pid")
  kill -TERM "$pid"
  wait_until 30 gone "$pid"
}

# gateway_start: the gateway runs again over the same cluster and answers.
gateway_start() {
  radosgw -c "$S3_RUN/ceph.conf" -n client.rgw.a
  wait_until 60 gateway_answers
}
