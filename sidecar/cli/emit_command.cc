// `ckwrap emit VERB [ARG...]`: one protocol record for jobs written in any
// language that can run a process. The arguments are joined with single
// spaces, checked with the same parser ckwrap reads fd 3 with, and written to
// $CKWRAP_FD in one write(2) of at most PIPE_BUF bytes, so records from
// parallel workers never interleave. Without CKWRAP_FD it does nothing (exit
// 0), so a script runs unchanged outside ckwrap.
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "base/log.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "intake/protocol.h"

namespace ckwrap {
namespace {

int EmitUsage(const std::string& why) {
  LogError("emit: " + why + " (usage: ckwrap emit VERB [ARG...], e.g. ckwrap emit DONE item-7)");
  return kExitUsage;
}

// CKWRAP_FD as a descriptor number; -1 when unset or empty.
Status ProtocolFd(int* fd) {
  const char* value = std::getenv("CKWRAP_FD");
  *fd = -1;
  if (value == nullptr || *value == '\0') return Status::Ok();
  char* end = nullptr;
  long parsed = std::strtol(value, &end, 10);
  if (*end != '\0' || parsed < 0 || parsed > INT_MAX) {
    return Status::Error(std::string("CKWRAP_FD is not a file descriptor number: '") + value + "'");
  }
  *fd = static_cast<int>(parsed);
  return Status::Ok();
}

}  // namespace

int EmitCommand(const std::vector<std::string>& args) {
  if (args.empty()) return EmitUsage("no verb given");
  std::string line;
  for (const std::string& arg : args) {
    if (arg.find('\n') != std::string::npos) return EmitUsage("an argument contains a newline");
    if (!line.empty()) line += ' ';
    line += arg;
  }
  Record record;
  std::string error;
  if (!ParseRecord(line, &record, &error)) return EmitUsage(error);
  line += '\n';
  if (line.size() > PIPE_BUF) {
    return EmitUsage("record of " + std::to_string(line.size()) + " bytes is longer than " +
                     std::to_string(PIPE_BUF) + " (PIPE_BUF) and could interleave");
  }
  int fd = -1;
  Status status = ProtocolFd(&fd);
  if (!status.ok()) return EmitUsage(status.message());
  if (fd < 0) return 0;  // not under ckwrap: a silent no-op
  ssize_t written;
  do {
    written = write(fd, line.data(), line.size());
  } while (written < 0 && errno == EINTR);
  if (written != static_cast<ssize_t>(line.size())) {
    LogError("emit: cannot write to CKWRAP_FD=" + std::to_string(fd) + ": " +
             (written < 0 ? strerror(errno) : "short write"));
    return kExitUsage;
  }
  return 0;
}

}  // namespace ckwrap
