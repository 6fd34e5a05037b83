// --events FILE: one JSON object per line for each thing the supervisor does,
// for operators and orchestrators; and --termination-log FILE: a one-line
// summary at exit. The events (man/ckwrap.1, --events): launch, exit, signal
// (one ckwrap received), stalled, commit, restart and finish (the exit status
// and summary; giving up and being stopped end this way too).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/rate_limited_log.h"
#include "base/status.h"

namespace ckwrap {

class EventLog {
 public:
  using Fields = std::vector<std::pair<std::string, std::string>>;  // values already JSON

  EventLog() = default;
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;
  ~EventLog();

  // Opens FILE for appending; no path means events are dropped.
  Status Open(const std::string& path);
  // {"time_ms":...,"event":"<event>",<fields>} as one write(2).
  void Emit(const std::string& event, const Fields& fields);

 private:
  int fd_ = -1;
  // A full disk fails every event's write: bounded.
  RateLimitedLog write_errors_{"events file: write failed"};
};

// Writes TerminationMessage(message) to path (truncating): Kubernetes shows
// it as the container's termination message. Failures are reported, not fatal.
void WriteTerminationLog(const std::string& path, const std::string& message);
// message with its control bytes escaped, as one line of at most 4096 bytes
// with its "\n" (the kubelet keeps 4096): a long one keeps its start and its
// end (the outcome and the attempts) around " [...] ".
std::string TerminationMessage(const std::string& message);

}  // namespace ckwrap
