#include "supervise/event_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/clock.h"
#include "base/escape.h"
#include "base/json_writer.h"
#include "base/log.h"

namespace ckwrap {

EventLog::~EventLog() {
  if (fd_ >= 0) close(fd_);
}

Status EventLog::Open(const std::string& path) {
  if (path.empty()) return Status::Ok();
  fd_ = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) return Status::FromErrno("cannot open events file", path, errno);
  return Status::Ok();
}

void EventLog::Emit(const std::string& event, const Fields& fields) {
  if (fd_ < 0) return;
  JsonWriter json;
  json.BeginObject().Key("time_ms").Number(NowUnixMs()).Key("event").String(event);
  for (const auto& [name, value] : fields) json.Key(name).Raw(value);
  std::string line = json.EndObject().Take() + "\n";
  // O_APPEND and one write: lines stay whole even if several writers share the file.
  if (write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    write_errors_.Error("events file: write failed; further events may be lost");
  }
}

namespace {

constexpr size_t kTerminationMessageBytes = 4096;  // the kubelet's limit, "\n" included

bool IsUtf8Continuation(char c) { return (static_cast<unsigned char>(c) & 0xc0) == 0x80; }

}  // namespace

std::string TerminationMessage(const std::string& message) {
  std::string text = Printable(message);
  if (text.size() + 1 > kTerminationMessageBytes) {
    const std::string gap = " [...] ";
    const size_t keep = (kTerminationMessageBytes - 1 - gap.size()) / 2;
    size_t head = keep;
    while (head > 0 && IsUtf8Continuation(text[head])) --head;  // whole characters only
    size_t tail = text.size() - keep;
    while (tail < text.size() && IsUtf8Continuation(text[tail])) ++tail;
    text = text.substr(0, head) + gap + text.substr(tail);
  }
  return text + "\n";
}

void WriteTerminationLog(const std::string& path, const std::string& message) {
  if (path.empty()) return;
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const std::string line = TerminationMessage(message);
  if (fd < 0 || write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    LogError("cannot write termination log " + path + ": " + strerror(errno));
  }
  if (fd >= 0) close(fd);
}

}  // namespace ckwrap
