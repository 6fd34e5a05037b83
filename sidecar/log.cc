#include "log.h"

#include <unistd.h>

namespace ckwrap {
namespace {

bool quiet_mode = false;

void WriteLine(const std::string& message) {
  // One write per message so lines from ckwrap and the job do not interleave mid-line.
  std::string line = "ckwrap: " + message + "\n";
  ssize_t ignored = write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;  // nowhere left to report a failing stderr
}

}  // namespace

void SetQuiet(bool quiet) { quiet_mode = quiet; }

void LogInfo(const std::string& message) {
  if (!quiet_mode) WriteLine(message);
}

void LogError(const std::string& message) { WriteLine(message); }

}  // namespace ckwrap
