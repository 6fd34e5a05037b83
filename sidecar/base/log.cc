#include "base/log.h"

#include <sys/time.h>
#include <unistd.h>

#include "store/checkpoint_json.h"
#include "supervise/status_line.h"

namespace ckwrap {
namespace {

bool quiet_mode = false;
bool verbose_mode = false;
bool json_mode = false;

void WriteLine(const char* level, const std::string& message, const std::string& json_fields = "") {
  // One write per message so lines from ckwrap and the job do not interleave mid-line.
  std::string line;
  if (json_mode) {
    struct timeval tv {};
    gettimeofday(&tv, nullptr);
    line =
        "{\"ts_ms\":" + std::to_string(static_cast<int64_t>(tv.tv_sec) * 1000 + tv.tv_usec / 1000) +
        ",\"level\":\"" + level + "\",\"msg\":" + JsonString(message) +
        (json_fields.empty() ? "" : ",\"status\":" + json_fields) + "}\n";
  } else {
    line = "ckwrap: " + message + "\n";
  }
  TerminalOutputBegin();
  ssize_t ignored = write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;  // nowhere left to report a failing stderr
  TerminalOutputEnd(line);
}

}  // namespace

void SetQuiet(bool quiet) { quiet_mode = quiet; }
void SetVerbose(bool verbose) { verbose_mode = verbose; }
void SetLogJson(bool json) { json_mode = json; }

void LogInfo(const std::string& message) {
  if (!quiet_mode) WriteLine("info", message);
}

void LogVerbose(const std::string& message) {
  if (verbose_mode && !quiet_mode) WriteLine("debug", message);
}

void LogError(const std::string& message) { WriteLine("error", message); }

void LogStatus(const std::string& message, const std::string& json_fields) {
  if (!quiet_mode) WriteLine("status", message, json_fields);
}

}  // namespace ckwrap
