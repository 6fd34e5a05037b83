// Errors as values at I/O boundaries: a Status says what failed, naming the
// path or the thing, with strerror text where errno was the cause, and a code
// callers branch on (never the message, never a second probe of the disk).
#pragma once

#include <string>
#include <utility>

namespace ckwrap {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk,
    kInvalid,     // bad input from a user or a job: an option, a line, a name
    kNotFound,    // the file or thing does not exist (ENOENT and alike)
    kCorruption,  // bytes on disk that do not verify
    kIoError,     // a system call failed for another reason
    kConflict,    // another writer got there first (store: a newer generation)
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(std::string message) { return Status(Code::kInvalid, std::move(message)); }
  static Status NotFound(std::string message) {
    return Status(Code::kNotFound, std::move(message));
  }
  static Status Corruption(std::string message) {
    return Status(Code::kCorruption, std::move(message));
  }
  static Status IoError(std::string message) { return Status(Code::kIoError, std::move(message)); }
  static Status Conflict(std::string message) {
    return Status(Code::kConflict, std::move(message));
  }
  // The one place errno becomes text: "<what> <path>: <strerror(err)>", with
  // kNotFound for ENOENT and kIoError otherwise. Callers pass errno saved
  // before any cleanup call.
  static Status FromErrno(const std::string& what, const std::string& path, int err);

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsConflict() const { return code_ == Code::kConflict; }
  const std::string& message() const { return message_; }

 private:
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace ckwrap
