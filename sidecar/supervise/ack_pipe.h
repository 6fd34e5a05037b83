// The acknowledgement pipe's write end: the job reads fd 4 and gets back the
// token of each SYNC once a commit covering it is durable.
#pragma once

#include <string>
#include <vector>

#include "base/rate_limited_log.h"

namespace ckwrap {

class AckPipe {
 public:
  AckPipe() = default;
  ~AckPipe() { Close(); }
  AckPipe(const AckPipe&) = delete;
  AckPipe& operator=(const AckPipe&) = delete;

  // Takes over fd (non-blocking) for a new attempt.
  void Open(int fd);
  void Close();
  // One line per token. A token is at most 4096 bytes, so each write is
  // atomic; the pipe is non-blocking, so a job that sends SYNC and never reads
  // fd 4 loses acknowledgements rather than stalling ckwrap.
  void Send(const std::vector<std::string>& tokens);

 private:
  int fd_ = -1;
  // A job that never reads fd 4 fails every acknowledgement after the first
  // 64 KiB of them: one line each would flood the log (issue 17).
  RateLimitedLog send_errors_{"acknowledgement not sent"};
};

}  // namespace ckwrap
