// Credentials and endpoint (store/s3_config.h) taken as the AWS tools take
// them, with a missing one named.
#include "store/s3_config.h"

#include <doctest/doctest.h>

#include <map>
#include <string>

namespace ckwrap {
namespace {

EnvLookup From(const std::map<std::string, std::string>& vars) {
  return [vars](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

TEST_CASE("AWS_ENDPOINT_URL_S3 before AWS_ENDPOINT_URL; the region defaults to us-east-1") {
  S3Config c;
  REQUIRE(S3ConfigFromEnvironment(&c, From({{"AWS_ACCESS_KEY_ID", "AK"},
                                            {"AWS_SECRET_ACCESS_KEY", "SK"},
                                            {"AWS_ENDPOINT_URL", "http://general:1"},
                                            {"AWS_ENDPOINT_URL_S3", "http://127.0.0.1:7480/"}}))
              .ok());
  CHECK(c.endpoint == "http://127.0.0.1:7480");
  CHECK(c.region == "us-east-1");
  CHECK(c.access_key_id == "AK");
  CHECK(c.secret_access_key == "SK");
  CHECK(c.session_token.empty());
  REQUIRE(S3ConfigFromEnvironment(&c, From({{"AWS_ACCESS_KEY_ID", "AK"},
                                            {"AWS_SECRET_ACCESS_KEY", "SK"},
                                            {"AWS_SESSION_TOKEN", "TOK"},
                                            {"AWS_REGION", "eu-west-3"},
                                            {"AWS_ENDPOINT_URL", "http://general:1"}}))
              .ok());
  CHECK(c.endpoint == "http://general:1");
  CHECK(c.region == "eu-west-3");
  CHECK(c.session_token == "TOK");
}

TEST_CASE("without an endpoint, AWS's own for the region") {
  S3Config c;
  REQUIRE(S3ConfigFromEnvironment(&c, From({{"AWS_ACCESS_KEY_ID", "AK"},
                                            {"AWS_SECRET_ACCESS_KEY", "SK"},
                                            {"AWS_REGION", "eu-west-3"}}))
              .ok());
  CHECK(c.endpoint == "https://s3.eu-west-3.amazonaws.com");
}

TEST_CASE("a missing key or secret is named; a bad endpoint is named, no secret in either") {
  S3Config c;
  Status s = S3ConfigFromEnvironment(&c, From({{"AWS_SECRET_ACCESS_KEY", "SECRET123"}}));
  CHECK_FALSE(s.ok());
  CHECK(s.message() == "AWS_ACCESS_KEY_ID is not set");
  s = S3ConfigFromEnvironment(&c,
                              From({{"AWS_ACCESS_KEY_ID", "AK"}, {"AWS_SECRET_ACCESS_KEY", ""}}));
  CHECK(s.message() == "AWS_SECRET_ACCESS_KEY is not set");
  s = S3ConfigFromEnvironment(&c, From({{"AWS_ACCESS_KEY_ID", "AK"},
                                        {"AWS_SECRET_ACCESS_KEY", "SECRET123"},
                                        {"AWS_ENDPOINT_URL", "127.0.0.1:7480"}}));
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("'127.0.0.1:7480'") != std::string::npos);
  CHECK(s.message().find("SECRET123") == std::string::npos);
}

}  // namespace
}  // namespace ckwrap
