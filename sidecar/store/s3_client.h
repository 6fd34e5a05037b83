// One bucket of an S3-compatible object store, over libcurl, which signs
// each request itself (AWS SigV4, CURLOPT_AWS_SIGV4 "aws:amz:REGION:s3") with
// the payload unsigned (x-amz-content-sha256: UNSIGNED-PAYLOAD, which Ceph's
// gateway requires). The calls the replica of a state directory needs: a
// create that fails when the key exists (the remote side of FENCING rule 1,
// ckwrap-checkpoint(5)), a bounded read, a listing and a delete (pruning).
//
// Blocking; one client per thread (it keeps one libcurl handle, whose
// connection it reuses). Messages name the method, s3://BUCKET/KEY and the
// HTTP status or the connection error, never the secret or the token.
#pragma once

#include <curl/curl.h>

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/s3_config.h"

namespace ckwrap {

class S3Client {
 public:
  S3Client(S3Config config, std::string bucket);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  // Creates key with bytes only if no object has that name (If-None-Match: *).
  // Ok: created. Conflict: the key exists (HTTP 412). Else an IoError.
  Status PutIfAbsent(std::string_view key, std::string_view bytes);

  // The object's bytes. NotFound: no such key. An object larger than
  // max_get_bytes() is an IoError naming the key, its size and the limit,
  // its body never held past the limit. Else an IoError.
  Status Get(std::string_view key, std::string* bytes);

  // Removes key (prunes an old generation). Ok also when there is no such
  // key (HTTP 404): the object is gone either way. Else an IoError.
  Status Delete(std::string_view key);

  // Every key that starts with prefix, in the server's (lexicographic)
  // order, following continuation tokens; page_size > 0 asks for pages of
  // that many keys (the server's default, 1000, otherwise).
  Status List(std::string_view prefix, std::vector<std::string>* keys, int page_size = 0);

  const std::string& bucket() const { return bucket_; }

  // While *abort is true, a request in progress ends at once (an IoError
  // saying so): a supervisor that exits does not wait for a slow store.
  void set_abort_flag(const std::atomic<bool>* abort) { abort_ = abort; }
  // Get's bound on a body held in memory; 1 GiB by default (a restore raises
  // it to a snapshot's own limit, as Load reads a local file whole).
  size_t max_get_bytes() const { return max_get_bytes_; }
  void set_max_get_bytes(size_t bytes) { max_get_bytes_ = bytes; }

 private:
  struct Response {
    long http_status = 0;
    std::string body;
    bool body_too_large = false;  // cut off at max_body (Perform then fails)
  };
  struct Request;
  Status Perform(const Request& request, Response* response);
  Status BodyTooLarge(const Request& request) const;
  Status HttpError(const char* method, std::string_view key, const Response& response) const;
  std::string Names(const char* method, std::string_view key) const;

  S3Config config_;
  std::string bucket_;
  std::string sigv4_;  // "aws:amz:REGION:s3"
  size_t max_get_bytes_ = size_t{1} << 30;
  std::unique_ptr<CURL, void (*)(CURL*)> curl_;
  const std::atomic<bool>* abort_ = nullptr;
  char error_[CURL_ERROR_SIZE];  // libcurl's text of the last failed transfer
};

}  // namespace ckwrap
