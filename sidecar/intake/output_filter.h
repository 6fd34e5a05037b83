// The child's stdout or stderr on its way to ckwrap's own: lines behind a
// prefix are protocol records and consumed; every other byte passes through
// unchanged and in order. Pure logic (no I/O): output_channel.cc does the
// reading and writing. The channel grammar is in man/ckwrap-protocol.7.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace ckwrap {

class OutputFilter {
 public:
  struct Callbacks {
    // Bytes to pass through, in order; called at most once per Feed/Finish.
    std::function<void(std::string_view bytes)> pass;
    // A record line, prefix and line end removed (1-based stream line number).
    std::function<void(uint64_t line_number, std::string_view line)> record;
    // Every passed-through line, line end removed, for --match; a line longer
    // than the limit is passed through but not offered. May be empty.
    std::function<void(uint64_t line_number, std::string_view line)> text;
    // A record line longer than the limit: reported, skipped up to its '\n'.
    std::function<void(uint64_t line_number)> overlong;
  };

  // An empty prefix consumes nothing: everything passes (for --match alone).
  OutputFilter(std::string prefix, size_t max_line_bytes, Callbacks callbacks);

  // Partial data is passed on at once unless it could still be the start of
  // a record (a proper prefix of the prefix), so a prompt without a newline
  // shows promptly.
  void Feed(std::string_view bytes);
  // End of stream: held bytes that never became a record pass through; an
  // unterminated record or text line is still delivered.
  void Finish();

  uint64_t lines() const { return line_number_; }

 private:
  enum class Mode { kLineStart, kRecord, kDiscard, kPass };

  const char* AtLineStart(const char* p, const char* end);
  const char* InRecord(const char* p, const char* end);
  const char* InPass(const char* p, const char* end);
  void EndTextLine(std::string_view line);
  void CloseSpan(const char* p);
  void Flush();

  const std::string prefix_;
  const size_t max_line_bytes_;
  Callbacks callbacks_;
  Mode mode_ = Mode::kLineStart;
  std::string held_;  // matched prefix bytes, then the record body
  std::string text_;  // the current passed-through line, for callbacks_.text
  bool text_overlong_ = false;
  // Pass-through bytes of this Feed: a span of the caller's buffer, copied
  // into out_ only when held or record bytes interrupt it; written once.
  const char* span_ = nullptr;
  std::string out_;
  uint64_t line_number_ = 0;
};

}  // namespace ckwrap
