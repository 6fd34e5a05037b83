// Errors as values at I/O boundaries: a Status says what failed, naming the
// path or the thing, with strerror text where errno was the cause.
#pragma once

#include <string>
#include <utility>

namespace ckwrap {

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(std::string message) { return Status(std::move(message)); }
  // The one place errno becomes text: "<what> <path>: <strerror(err)>".
  // Callers pass errno saved before any cleanup call.
  static Status FromErrno(const std::string& what, const std::string& path, int err);

  bool ok() const { return !failed_; }
  const std::string& message() const { return message_; }

 private:
  explicit Status(std::string message) : failed_(true), message_(std::move(message)) {}
  bool failed_ = false;
  std::string message_;
};

}  // namespace ckwrap
