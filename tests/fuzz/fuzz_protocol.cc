// libFuzzer target: the fd 3 byte stream through LineSplitter and ParseRecord.
// The first input byte picks the line-length limit, so the overlong path is hit.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "intake/protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t max_line = 1 + data[0] % 64;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  uint64_t last_line = 0;
  ckwrap::LineSplitter splitter(
      max_line,
      [&](uint64_t number, std::string_view line) {
        if (number <= last_line || line.size() > max_line) __builtin_trap();
        last_line = number;
        ckwrap::Record record;
        std::string error;
        const bool parsed = ckwrap::ParseRecord(line, &record, &error);
        if (!parsed && error.empty()) __builtin_trap();
        // A NUL in a position, id, key, path or token is refused at parse time.
        if (parsed && record.arg.find('\0') != std::string_view::npos) __builtin_trap();
        // A SIZE has its path, a view inside the line after the bytes.
        if (parsed && record.verb == ckwrap::Verb::kSize &&
            (record.arg.empty() || record.arg.data() <= line.data() + 5 ||
             record.arg.data() + record.arg.size() != line.data() + line.size())) {
          __builtin_trap();
        }
      },
      [&](uint64_t number) {
        if (number <= last_line) __builtin_trap();
        last_line = number;
      });
  // Fed in uneven pieces: records split across reads.
  size_t piece = 1;
  while (!bytes.empty()) {
    size_t n = piece < bytes.size() ? piece : bytes.size();
    splitter.Feed(bytes.substr(0, n));
    bytes.remove_prefix(n);
    piece = piece * 3 % 17 + 1;
  }
  splitter.Finish();
  return 0;
}
