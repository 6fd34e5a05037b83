#include "base/escape.h"

namespace ckwrap {
namespace {

void AppendEscaped(std::string* out, unsigned char byte) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->append("\\x");
  out->push_back(kHex[byte >> 4]);
  out->push_back(kHex[byte & 0xf]);
}

bool IsC0OrDel(unsigned char byte) { return byte < 0x20 || byte == 0x7f; }

bool IsC1At(std::string_view text, size_t i) {
  return static_cast<unsigned char>(text[i]) == 0xc2 && i + 1 < text.size() &&
         static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
         static_cast<unsigned char>(text[i + 1]) <= 0x9f;
}

std::string Escape(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (IsC1At(text, i)) {
      AppendEscaped(&out, byte);
      AppendEscaped(&out, static_cast<unsigned char>(text[++i]));
    } else if (IsC0OrDel(byte) && !(keep_newlines && byte == '\n')) {
      AppendEscaped(&out, byte);
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

}  // namespace

std::string Printable(std::string_view text) { return Escape(text, false); }

std::string PrintableLines(std::string_view text) { return Escape(text, true); }

}  // namespace ckwrap
