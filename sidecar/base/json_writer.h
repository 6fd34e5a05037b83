// The one place ckwrap writes JSON (inspect --json, status --json, --events,
// --log-format json, CKWRAP_STATE_FILE): compact text, no spaces, so every
// escape and every comma is decided here and nowhere else.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace ckwrap {

// A JSON string literal, quotes included, always valid JSON: " and \ are
// backslash-escaped, control characters (< 0x20) become \u00XX, and each byte
// that is not part of well-formed UTF-8 becomes \ufffd (U+FFFD; the byte's
// value is not kept).
std::string JsonString(std::string_view text);

// Appends JSON values to a string and places the commas. The caller keeps the
// shape right: in an object a Key before every value, each Begin closed by
// its End. Nothing is checked; a mistake gives invalid JSON, not a crash.
class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  // The name of the current object's next member; its value follows.
  JsonWriter& Key(std::string_view name);
  JsonWriter& String(std::string_view text);
  // text as a string if present, else null (a position not reported yet).
  JsonWriter& StringOrNull(bool present, std::string_view text);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // Any integer, in decimal as std::to_string writes it.
  template <typename T,
            typename = std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>>
  JsonWriter& Number(T value) {
    BeforeValue();
    out_ += std::to_string(value);
    return *this;
  }
  // A finite value with exactly `decimals` digits after the point.
  JsonWriter& Fixed(double value, int decimals);
  // A value that is JSON text already (another writer's), copied as is.
  JsonWriter& Raw(std::string_view json);

  const std::string& text() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void BeforeValue();
  JsonWriter& Open(char bracket);
  JsonWriter& Close(char bracket);

  std::string out_;
  std::vector<bool> has_member_;  // per open object or array: not empty any more
  bool after_key_ = false;        // a Key was written; its value needs no comma
};

}  // namespace ckwrap
