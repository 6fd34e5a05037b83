#include "store/s3_url.h"

namespace ckwrap {
namespace {

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

std::string UriEncode(std::string_view bytes, bool keep_slash) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size());
  for (unsigned char c : bytes) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string S3ObjectUrl(const std::string& endpoint, const std::string& bucket,
                        std::string_view key) {
  return endpoint + "/" + UriEncode(bucket, false) + "/" + UriEncode(key, true);
}

std::string S3ListUrl(const std::string& endpoint, const std::string& bucket,
                      std::string_view prefix, int max_keys, std::string_view token) {
  std::string url = endpoint + "/" + UriEncode(bucket, false) + "?";
  if (!token.empty()) url += "continuation-token=" + UriEncode(token, false) + "&";
  url += "list-type=2&";
  if (max_keys > 0) url += "max-keys=" + std::to_string(max_keys) + "&";
  url += "prefix=" + UriEncode(prefix, false);
  return url;
}

}  // namespace ckwrap
