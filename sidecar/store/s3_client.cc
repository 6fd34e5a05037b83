#include "store/s3_client.h"

#include <algorithm>
#include <cstring>
#include <mutex>

#include "store/s3_url.h"
#include "store/s3_xml.h"

namespace ckwrap {
namespace {

// curl_global_init is not safe to race with other threads' libcurl calls:
// done once, before the first handle.
CURL* NewHandle() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  return curl_easy_init();
}

// Where a response body goes, and how much of it may.
struct BodySink {
  std::string* body;
  size_t max_bytes;
  bool* too_large;
};

// Returning less than given makes libcurl abort the transfer (CURLE_WRITE_ERROR).
size_t AppendBody(char* data, size_t size, size_t count, void* sink) {
  auto* s = static_cast<BodySink*>(sink);
  const size_t n = size * count;
  if (n > s->max_bytes - s->body->size()) {
    *s->too_large = true;
    return 0;
  }
  s->body->append(data, n);
  return n;
}

// The upload's bytes, handed to libcurl piece by piece.
struct UploadCursor {
  std::string_view rest;
};

size_t ReadUpload(char* buffer, size_t size, size_t count, void* cursor) {
  auto* c = static_cast<UploadCursor*>(cursor);
  size_t n = std::min(size * count, c->rest.size());
  std::memcpy(buffer, c->rest.data(), n);
  c->rest.remove_prefix(n);
  return n;
}

std::unique_ptr<curl_slist, void (*)(curl_slist*)> Headers(const S3Config& config, bool create) {
  curl_slist* list = curl_slist_append(nullptr, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
  if (!config.session_token.empty()) {
    list = curl_slist_append(list, ("x-amz-security-token: " + config.session_token).c_str());
  }
  // Not "Expect:" to spare the 100-continue round trip of a large body:
  // libcurl 7.88 signs that removal header as if sent, and the server's
  // signature then differs (SignatureDoesNotMatch).
  if (create) list = curl_slist_append(list, "If-None-Match: *");
  return {list, &curl_slist_free_all};
}

// libcurl's progress callback: non-zero ends the transfer.
int AbortIfAsked(void* abort, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return abort != nullptr && static_cast<const std::atomic<bool>*>(abort)->load() ? 1 : 0;
}

}  // namespace

struct S3Client::Request {
  const char* method;  // GET, PUT or DELETE
  std::string url;
  std::string_view key;     // for messages; empty for a listing
  std::string_view upload;  // PUT's body
};

S3Client::S3Client(S3Config config, std::string bucket)
    : config_(std::move(config)),
      bucket_(std::move(bucket)),
      sigv4_("aws:amz:" + config_.region + ":s3"),
      curl_(NewHandle(), &curl_easy_cleanup) {}

S3Client::~S3Client() = default;

std::string S3Client::Names(const char* method, std::string_view key) const {
  return std::string("S3 ") + method + " s3://" + bucket_ + "/" + std::string(key) + " at " +
         config_.endpoint;
}

Status S3Client::Perform(const Request& request, Response* response) {
  CURL* curl = curl_.get();
  if (!curl) return Status::IoError(Names(request.method, request.key) + ": libcurl has no handle");
  curl_easy_reset(curl);  // keeps the connection for the next request
  bool put = std::strcmp(request.method, "PUT") == 0;
  auto headers = Headers(config_, put);
  UploadCursor cursor{request.upload};
  error_[0] = '\0';
  response->body.clear();
  response->body_too_large = false;
  BodySink sink{&response->body, max_get_bytes_, &response->body_too_large};
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);  // a key's "./" and "../" are its own
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, config_.connect_timeout_ms);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, config_.request_timeout_ms);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, std::max(1L, config_.stall_timeout_ms / 1000));
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, AbortIfAsked);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(abort_));
  curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4_.c_str());
  curl_easy_setopt(curl, CURLOPT_USERNAME, config_.access_key_id.c_str());
  curl_easy_setopt(curl, CURLOPT_PASSWORD, config_.secret_access_key.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  if (std::strcmp(request.method, "DELETE") == 0) {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "DELETE");  // signed as DELETE too
  }
  if (put) {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadUpload);
    curl_easy_setopt(curl, CURLOPT_READDATA, &cursor);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE,
                     static_cast<curl_off_t>(request.upload.size()));
  }
  CURLcode rc = curl_easy_perform(curl);
  if (response->body_too_large) return BodyTooLarge(request);
  if (rc != CURLE_OK) {
    return Status::IoError(Names(request.method, request.key) + ": " +
                           (error_[0] ? error_ : curl_easy_strerror(rc)));
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response->http_status);
  return Status::Ok();
}

Status S3Client::BodyTooLarge(const Request& request) const {
  curl_off_t size = -1;  // the Content-Length, which came before the body
  curl_easy_getinfo(curl_.get(), CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &size);
  const std::string what =
      size >= 0 ? "has " + std::to_string(size) + " bytes, more than" : "is larger than";
  return Status::IoError(Names(request.method, request.key) + ": the object " + what +
                         " the limit of " + std::to_string(max_get_bytes_) + " bytes; not read");
}

Status S3Client::HttpError(const char* method, std::string_view key,
                           const Response& response) const {
  S3Error error = ParseS3Error(response.body);
  std::string text = Names(method, key) + ": HTTP " + std::to_string(response.http_status);
  if (!error.code.empty()) text += " " + error.code;
  if (!error.message.empty()) text += " (" + error.message + ")";
  return Status::IoError(text);
}

Status S3Client::PutIfAbsent(std::string_view key, std::string_view bytes) {
  Response response;
  Status s = Perform({"PUT", S3ObjectUrl(config_.endpoint, bucket_, key), key, bytes}, &response);
  if (!s.ok()) return s;
  if (response.http_status == 200) return Status::Ok();
  if (response.http_status == 412) {
    return Status::Conflict(Names("PUT", key) + ": the key exists already (HTTP 412)");
  }
  return HttpError("PUT", key, response);
}

Status S3Client::Get(std::string_view key, std::string* bytes) {
  Response response;
  Status s = Perform({"GET", S3ObjectUrl(config_.endpoint, bucket_, key), key, {}}, &response);
  if (!s.ok()) return s;
  if (response.http_status == 200) {
    *bytes = std::move(response.body);
    return Status::Ok();
  }
  if (response.http_status == 404 && ParseS3Error(response.body).code == "NoSuchKey") {
    return Status::NotFound(Names("GET", key) + ": no such key");
  }
  return HttpError("GET", key, response);
}

Status S3Client::Delete(std::string_view key) {
  Response response;
  Status s = Perform({"DELETE", S3ObjectUrl(config_.endpoint, bucket_, key), key, {}}, &response);
  if (!s.ok()) return s;
  // 404: already gone (a prune retried after a lost reply); S3 itself answers 204.
  if (response.http_status == 204 || response.http_status == 200 || response.http_status == 404) {
    return Status::Ok();
  }
  return HttpError("DELETE", key, response);
}

Status S3Client::List(std::string_view prefix, std::vector<std::string>* keys, int page_size) {
  std::vector<std::string> all;
  std::string token;
  std::string what = std::string(prefix) + "*";
  do {
    Response response;
    Request request{
        "GET", S3ListUrl(config_.endpoint, bucket_, prefix, page_size, token), what, {}};
    Status s = Perform(request, &response);
    if (!s.ok()) return s;
    if (response.http_status != 200) return HttpError("GET", what, response);
    S3ListPage page;
    s = ParseListObjectsV2(response.body, &page);
    if (!s.ok()) return Status::Corruption(Names("GET", what) + ": " + s.message());
    for (std::string& key : page.keys) all.push_back(std::move(key));
    token = page.is_truncated ? page.next_continuation_token : "";
  } while (!token.empty());
  *keys = std::move(all);
  return Status::Ok();
}

}  // namespace ckwrap
