#include "supervise/ack_pipe.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/log.h"

namespace ckwrap {

void AckPipe::Open(int fd) {
  Close();
  fd_ = fd;
}

void AckPipe::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

void AckPipe::Send(const std::vector<std::string>& tokens) {
  if (fd_ < 0) return;
  for (const std::string& token : tokens) {
    std::string line = token + "\n";
    if (write(fd_, line.data(), line.size()) < 0 && errno != EPIPE) {
      send_errors_.Error(std::string("acknowledgement not sent: ") + strerror(errno));
    }
  }
}

}  // namespace ckwrap
