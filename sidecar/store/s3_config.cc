#include "store/s3_config.h"

#include <cstdlib>

namespace ckwrap {
namespace {

// The variable's value; empty when unset (an empty variable counts as unset,
// as the AWS tools count it).
std::string Variable(const EnvLookup& lookup, const char* name) {
  const char* value = lookup ? lookup(name) : std::getenv(name);
  return value ? value : "";
}

std::string WithoutTrailingSlashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

Status S3ConfigFromEnvironment(S3Config* config, const EnvLookup& lookup) {
  S3Config c;
  c.access_key_id = Variable(lookup, "AWS_ACCESS_KEY_ID");
  c.secret_access_key = Variable(lookup, "AWS_SECRET_ACCESS_KEY");
  c.session_token = Variable(lookup, "AWS_SESSION_TOKEN");
  if (c.access_key_id.empty()) return Status::Error("AWS_ACCESS_KEY_ID is not set");
  if (c.secret_access_key.empty()) return Status::Error("AWS_SECRET_ACCESS_KEY is not set");
  c.region = Variable(lookup, "AWS_REGION");
  if (c.region.empty()) c.region = "us-east-1";
  c.endpoint = Variable(lookup, "AWS_ENDPOINT_URL_S3");
  if (c.endpoint.empty()) c.endpoint = Variable(lookup, "AWS_ENDPOINT_URL");
  if (c.endpoint.empty()) c.endpoint = "https://s3." + c.region + ".amazonaws.com";
  c.endpoint = WithoutTrailingSlashes(c.endpoint);
  if (c.endpoint.rfind("http://", 0) != 0 && c.endpoint.rfind("https://", 0) != 0) {
    return Status::Error("the S3 endpoint '" + c.endpoint +
                         "' (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL) is not an http:// or "
                         "https:// URL");
  }
  *config = std::move(c);
  return Status::Ok();
}

}  // namespace ckwrap
