#include "base/terminal.h"

#include <unistd.h>

#include <string>

namespace ckwrap {
namespace {

constexpr const char* kClear = "\r\033[K";

// The live line, when one is kept.
struct Live {
  bool active = false;     // StartLiveLine was called and StopLiveLine not yet
  bool drawn = false;      // the line is on the screen now
  bool line_start = true;  // the last byte others wrote ended a line
  bool dirty = false;      // cleared by others' output: redraw at the next draw
  std::string last_drawn;
} live;

void WriteStderr(std::string_view bytes) {
  ssize_t ignored = write(STDERR_FILENO, bytes.data(), bytes.size());
  (void)ignored;  // a failing stderr has nowhere left to report to
}

}  // namespace

void TerminalOutputBegin() {
  if (!live.active || !live.drawn) return;
  WriteStderr(kClear);
  live.drawn = false;
  live.dirty = true;
}

void TerminalOutputEnd(std::string_view written) {
  if (!live.active || written.empty()) return;
  live.line_start = written.back() == '\n';
}

void WriteMessageLine(std::string_view line) {
  TerminalOutputBegin();
  WriteStderr(line);
  TerminalOutputEnd(line);
}

void StartLiveLine() {
  live = Live{};
  live.active = true;
  live.dirty = true;
}

void DrawLiveLine(std::string_view line) {
  if (!live.line_start) return;  // others are mid-line: never draw into it
  if (live.drawn && !live.dirty && line == live.last_drawn) return;
  WriteStderr(kClear + std::string(line));
  live.last_drawn = line;
  live.drawn = true;
  live.dirty = false;
}

void StopLiveLine() {
  if (live.drawn) WriteStderr(kClear);
  live = Live{};
}

}  // namespace ckwrap
