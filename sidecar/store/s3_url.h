// Path-style S3 URLs (ENDPOINT/BUCKET/KEY), encoded as SigV4 signs them:
// every byte but the unreserved ones (A-Z a-z 0-9 - . _ ~) as %XX, '/' kept
// in a key's path and encoded in a query value. libcurl 7.88 signs the
// path and query as written, so writing them canonically here (the query's
// parameters in name order) is what makes the signature match the server's.
#pragma once

#include <string>
#include <string_view>

namespace ckwrap {

// bytes with every byte but the unreserved ones (and '/' when keep_slash)
// written %XX, upper-case hex.
std::string UriEncode(std::string_view bytes, bool keep_slash);

// ENDPOINT/BUCKET/KEY.
std::string S3ObjectUrl(const std::string& endpoint, const std::string& bucket,
                        std::string_view key);

// ListObjectsV2 of keys under prefix: ENDPOINT/BUCKET?continuation-token=..
// &list-type=2&max-keys=N&prefix=P, the token only when not empty and
// max-keys only when above 0 (the server's default page, 1000, otherwise).
std::string S3ListUrl(const std::string& endpoint, const std::string& bucket,
                      std::string_view prefix, int max_keys, std::string_view token);

}  // namespace ckwrap
