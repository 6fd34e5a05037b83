// The v1 line protocol: splitting a byte stream into lines and parsing records.
// Grammar in man/ckwrap-protocol.7.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace ckwrap {

// Default cap on one protocol line, excluding its "\r\n": 65536 bytes, the
// default that man/ckwrap-protocol.7 gives jobs.
inline constexpr size_t kDefaultMaxLineBytes = 64 * 1024;

enum class Verb { kCkpt, kDone, kFail, kState, kProgress, kComplete, kOutput, kSync, kSize, kSlot };

struct Record {
  Verb verb;
  std::string_view arg;     // CKPT position, DONE/FAIL id, STATE key, OUTPUT/SIZE path, SYNC token
  std::string_view detail;  // FAIL reason, STATE value (may be empty)
  uint64_t count = 0;       // PROGRESS n, SIZE bytes
  uint64_t total = 0;       // PROGRESS total, 0 when absent
};

// Parses one line (no trailing '\n'; a trailing '\r' already removed). On
// failure returns false and sets *error to a short reason ("unknown verb
// \"FOO\"", "CKPT needs a position", ...). The views point into line.
bool ParseRecord(std::string_view line, Record* out, std::string* error);

// Splits a byte stream into lines, tolerating records split across reads and
// "\r\n". A line longer than max_line_bytes is reported once (with its line
// number) and skipped up to its newline; memory stays bounded by
// max_line_bytes. Line numbers start at 1 and count every '\n'.
class LineSplitter {
 public:
  using LineFn = std::function<void(uint64_t line_number, std::string_view line)>;
  using OverlongFn = std::function<void(uint64_t line_number)>;

  LineSplitter(size_t max_line_bytes, LineFn on_line, OverlongFn on_overlong);

  void Feed(std::string_view bytes);
  // End of stream: a last line without '\n' is still delivered.
  void Finish();

  // Bytes of an unfinished line held between Feed calls (at most
  // max_line_bytes + 1: room for a trailing '\r' whose '\n' has not arrived).
  size_t buffered_bytes() const { return partial_.size(); }
  size_t buffer_capacity() const { return partial_.capacity(); }
  // Lines completed so far ('\n' seen, plus a final line taken by Finish).
  uint64_t lines() const { return line_number_; }

 private:
  void KeepTail(std::string_view tail);
  void EndLine(std::string_view line);
  void ReportOverlong();

  size_t max_line_bytes_;
  LineFn on_line_;
  OverlongFn on_overlong_;
  // The unfinished line; only the tail of a Feed is ever copied here.
  std::string partial_;
  // Inside an overlong line already reported: drop bytes up to its '\n'.
  bool discarding_ = false;
  uint64_t line_number_ = 0;
};

}  // namespace ckwrap
