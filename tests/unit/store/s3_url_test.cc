// Path-style S3 URLs (store/s3_url.h), written the way SigV4 signs them: a
// byte encoded differently here than by the server breaks the signature.
#include "store/s3_url.h"

#include <doctest/doctest.h>

namespace ckwrap {
namespace {

TEST_CASE("only the unreserved bytes stay as they are; '/' only in a key's path") {
  CHECK(UriEncode("AZaz09-._~", false) == "AZaz09-._~");
  CHECK(UriEncode("a b+c&d=e", true) == "a%20b%2Bc%26d%3De");
  CHECK(UriEncode("p/q", true) == "p/q");
  CHECK(UriEncode("p/q", false) == "p%2Fq");
  CHECK(UriEncode("\xC3\xA9", true) == "%C3%A9");
  CHECK(UriEncode("*", true) == "%2A");
}

TEST_CASE("an object's URL is ENDPOINT/BUCKET/KEY, the key's slashes kept") {
  CHECK(S3ObjectUrl("http://127.0.0.1:7480", "bkt", "run 1/00000007.ckpt") ==
        "http://127.0.0.1:7480/bkt/run%201/00000007.ckpt");
}

TEST_CASE("a listing's query has its parameters in name order, values encoded") {
  CHECK(S3ListUrl("http://h", "bkt", "run/", 0, "") == "http://h/bkt?list-type=2&prefix=run%2F");
  CHECK(S3ListUrl("http://h", "bkt", "", 7, "a+b/c=") ==
        "http://h/bkt?continuation-token=a%2Bb%2Fc%3D&list-type=2&max-keys=7&prefix=");
}

}  // namespace
}  // namespace ckwrap
