// S3's XML answers, read with expat: a ListObjectsV2 page (the keys, and the
// token of the next page when the listing is truncated) and an error's Code
// and Message. Entities (&amp; ...) are decoded by the parser.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace ckwrap {

struct S3ListPage {
  std::vector<std::string> keys;
  bool is_truncated = false;
  std::string next_continuation_token;  // set when is_truncated
};

// A ListBucketResult document. Not XML, another root element, or a
// truncated page without a next token: Corruption (a listing must never end
// early by a misread).
Status ParseListObjectsV2(std::string_view xml, S3ListPage* page);

struct S3Error {
  std::string code;  // e.g. NoSuchKey, SignatureDoesNotMatch; empty if none
  std::string message;
};

// An Error document's Code and Message; both empty when the body is not one
// (an empty body, HTML from a proxy): the caller still has the HTTP status.
S3Error ParseS3Error(std::string_view xml);

}  // namespace ckwrap
