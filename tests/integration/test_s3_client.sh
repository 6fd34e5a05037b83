#!/usr/bin/env bash
# store/s3_client (through tests/integration/s3_probe.cc) against a real
# S3-compatible server: Ceph 16's gateway on one node
# (scripts/engines/ceph-up; skipped, 77, when the machine cannot run it).
#  1. A conditional create: the first PUT of a key creates it, the second
#     is a Conflict (412) naming s3://BUCKET/KEY; the bytes read back are the
#     bytes written (2 MiB of random bytes: binary, and past libcurl's
#     100-continue threshold); a missing key is NotFound.
#     A GET past the client's bound fails naming the key, the object's
#     size and the bound. A DELETE removes a key (then NotFound), and
#     deleting a missing key is no error.
#  2. Listings follow continuation tokens: 1100 keys in pages of the
#     server's 1000 and of 100, 30 keys in pages of 7, in key order; a key
#     with spaces, '+', '&', '=' and UTF-8 round trips and lists as itself.
#  3. A wrong secret: a clear error naming the key and HTTP 403, with no
#     secret in it.
#  4. The gateway stopped: a connection error naming the endpoint.
# A cluster already running is used and kept; one this test starts it stops.
TESTS_DIR=$(cd "${TESTS_DIR:-$(dirname "$0")}" && pwd)
# shellcheck source=lib.sh
. "$TESTS_DIR/lib.sh"
# shellcheck source=s3_lib.sh
. "$TESTS_DIR/s3_lib.sh"

probe() { # ARGS...: s3_probe, its status in $rc, its stdout in probe.out, stderr in probe.err
  rc=0
  "$S3_PROBE" "$@" >probe.out 2>probe.err || rc=$?
}

# 1. Create once, then a Conflict; read back; a missing key.
head -c 2097152 /dev/urandom >big.bin
probe put "$bucket" run/00000001.ckpt <big.bin
assert_eq 0 "$rc" "first PUT of run/00000001.ckpt (stderr: $(cat probe.err))"
echo other >other.bin
probe put "$bucket" run/00000001.ckpt <other.bin
assert_eq 3 "$rc" "second PUT of the same key (a Conflict)"
assert_contains probe.err "s3://$bucket/run/00000001.ckpt" "the Conflict names the key"
assert_contains probe.err "HTTP 412" "the Conflict says the server refused the create"
probe get "$bucket" run/00000001.ckpt
assert_eq 0 "$rc" "GET run/00000001.ckpt (stderr: $(cat probe.err))"
cmp -s big.bin probe.out || fail "the bytes read back differ from the first PUT's"
probe get "$bucket" run/00000002.ckpt
assert_eq 4 "$rc" "GET of a missing key (NotFound)"
assert_contains probe.err "s3://$bucket/run/00000002.ckpt" "NotFound names the key"
pass "conditional create: created, then Conflict (412); 2 MiB read back; missing key NotFound"

probe get "$bucket" run/00000001.ckpt 1048576
assert_eq 1 "$rc" "GET of 2 MiB with a bound of 1 MiB"
assert_contains probe.err "s3://$bucket/run/00000001.ckpt" "the bound's error names the key"
assert_contains probe.err "has 2097152 bytes, more than the limit of 1048576 bytes" \
  "the bound's error gives the size and the limit"
assert_eq 0 "$(wc -c <probe.out)" "bytes printed past the bound"
cat probe.err
probe put "$bucket" run/doomed <other.bin
probe delete "$bucket" run/doomed
assert_eq 0 "$rc" "DELETE run/doomed (stderr: $(cat probe.err))"
probe get "$bucket" run/doomed
assert_eq 4 "$rc" "GET after DELETE (NotFound)"
probe delete "$bucket" run/doomed
assert_eq 0 "$rc" "DELETE of a missing key (stderr: $(cat probe.err))"
probe get "$bucket" run/00000001.ckpt
cmp -s big.bin probe.out || fail "a DELETE of another key changed run/00000001.ckpt"
pass "a GET past its bound fails naming key, size and limit; DELETE removes; a missing key deletes fine"

# 2. Listings over several pages.
probe put-many "$bucket" many/ 1100
assert_eq 0 "$rc" "1100 PUTs (stderr: $(cat probe.err))"
cat probe.out
seq -f 'many/%05g' 0 1099 >many.expected
for page in 0 100; do
  probe list "$bucket" many/ "$page"
  assert_eq 0 "$rc" "list many/ in pages of $page (stderr: $(cat probe.err))"
  cmp -s many.expected probe.out || fail "list many/ in pages of $page: $(wc -l <probe.out) keys, not the 1100 in order"
done
probe put-many "$bucket" few/ 30
probe list "$bucket" few/ 7
seq -f 'few/%05g' 0 29 >few.expected
cmp -s few.expected probe.out || fail "list few/ in pages of 7: $(wc -l <probe.out) keys, not the 30 in order"
odd='odd/a b+c&d=e é.ckpt'
printf 'x' >x.bin
probe put "$bucket" "$odd" <x.bin
assert_eq 0 "$rc" "PUT of '$odd' (stderr: $(cat probe.err))"
probe get "$bucket" "$odd"
assert_eq x "$(cat probe.out)" "GET of '$odd'"
probe list "$bucket" 'odd/a b+c&' 1
assert_eq "$odd" "$(cat probe.out)" "list of the odd key's prefix"
probe list "$bucket" nothing/
assert_eq "0 0" "$rc $(wc -l <probe.out)" "list of an empty prefix"
pass "listings: 1100 keys (pages of 1000, 100), 30 keys (pages of 7), an escaped key, an empty prefix"

# 3. A wrong secret.
wrong=not-the-secret-$RANDOM$RANDOM
rc=0
AWS_SECRET_ACCESS_KEY=$wrong "$S3_PROBE" get "$bucket" run/00000001.ckpt >/dev/null 2>probe.err || rc=$?
assert_eq 1 "$rc" "GET with a wrong secret"
assert_contains probe.err "s3://$bucket/run/00000001.ckpt" "the error names the key"
assert_contains probe.err "HTTP 403" "the error gives the HTTP status"
assert_not_contains probe.err "$wrong" "the error leaks the secret given"
assert_not_contains probe.err "$AWS_SECRET_ACCESS_KEY" "the error leaks the real secret"
cat probe.err
pass "a wrong secret: a clear 403 naming the key, no secret in it"

# 4. The gateway stopped (radosgw alone: the cluster and its objects stay,
# and s3_lib's exit trap starts it again).
gateway_stop
probe get "$bucket" run/00000001.ckpt
assert_eq 1 "$rc" "GET with the gateway stopped"
assert_contains probe.err "s3://$bucket/run/00000001.ckpt at $AWS_ENDPOINT_URL" "the error names key and endpoint"
assert_contains probe.err "Couldn't connect to server" "the error says the server cannot be reached"
cat probe.err
pass "the gateway stopped: a connection error naming the endpoint"
gateway_start
