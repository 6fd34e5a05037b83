// Where an S3-compatible object store is and who signs for it, read the way
// the AWS tools read it (issue 20): AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN, AWS_REGION (default us-east-1), and AWS_ENDPOINT_URL_S3
// else AWS_ENDPOINT_URL for S3-compatible servers (default AWS's own regional
// endpoint). Requests are path-style: ENDPOINT/BUCKET/KEY.
// The secret and the token are never put in a message or a log line.
#pragma once

#include <functional>
#include <string>

#include "base/status.h"

namespace ckwrap {

struct S3Config {
  std::string endpoint;  // scheme://host[:port], no trailing slash
  std::string region;
  std::string access_key_id;
  std::string secret_access_key;  // never printed
  std::string session_token;      // never printed; empty: none
  long connect_timeout_ms = 5000;
  long request_timeout_ms = 60000;  // a whole request; 0: no limit
  // A transfer that moves no byte for this long fails (a gateway that hangs
  // with its connection open), however long the whole may take.
  long stall_timeout_ms = 10000;
};

// An environment variable's value, or nullptr when unset (getenv's shape).
using EnvLookup = std::function<const char*(const char*)>;

// Reads the variables above through lookup (getenv by default). An unset or
// empty key id or secret is an error naming the variable.
Status S3ConfigFromEnvironment(S3Config* config, const EnvLookup& lookup = nullptr);

}  // namespace ckwrap
