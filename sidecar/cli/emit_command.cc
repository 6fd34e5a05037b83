// `ckwrap emit VERB [ARG...]`: one protocol record for jobs written in any
// language that can run a process. The arguments are joined with single
// spaces, checked with the same parser ckwrap reads fd 3 with, and written to
// $CKWRAP_FD in one write(2) of at most PIPE_BUF bytes, so records from
// parallel workers never interleave. Without CKWRAP_FD it does nothing (exit
// 0), so a script runs unchanged outside ckwrap.
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "base/log.h"
#include "cli/commands.h"
#include "intake/protocol.h"

namespace ckwrap {
namespace {

constexpr const char* kEmitDetails =
    "The arguments are joined by single spaces into one record, checked as ckwrap\n"
    "checks fd 3, and written in one write(2) of at most PIPE_BUF bytes. Without\n"
    "CKWRAP_FD nothing is written (exit 0). Example: ckwrap emit DONE item-7\n";

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

int EmitCommand(const Subcommand& self, const std::vector<std::string>& args) {
  // Flags stop at VERB: a record's own words may start with '-'.
  NoFlags none;
  std::vector<std::string> words;
  auto settled = ParseSubcommandArgs(self, {}, args, Operands::kEndFlags, SIZE_MAX, &none, &words,
                                     kEmitDetails);
  if (settled) return *settled;
  if (words.empty()) return UsageError(self, "no verb given");
  std::string line;
  for (const std::string& word : words) {
    if (word.find('\n') != std::string::npos) {
      return UsageError(self, "an argument contains a newline");
    }
    if (!line.empty()) line += ' ';
    line += word;
  }
  Record record;
  std::string error;
  if (!ParseRecord(line, &record, &error)) return UsageError(self, error);
  line += '\n';
  if (line.size() > PIPE_BUF) {
    return UsageError(self, "record of " + std::to_string(line.size()) + " bytes is longer than " +
                                std::to_string(PIPE_BUF) + " (PIPE_BUF) and could interleave");
  }
  int fd = -1;
  Status status = ProtocolFd(&fd);
  if (!status.ok()) return UsageError(self, status.message());
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
