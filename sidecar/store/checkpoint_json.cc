#include "store/checkpoint_json.h"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace ckwrap {
namespace {

// Length of the well-formed UTF-8 sequence starting at text[i], or 0 if the
// byte there does not start one. Rejects overlong forms, surrogates and code
// points above U+10FFFF, as RFC 3629 requires.
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  size_t length;
  unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // UTF-16 surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (text.size() - i < length) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

void AppendEscapedByte(std::string* out, unsigned char c) {
  char escape[8];
  std::snprintf(escape, sizeof escape, "\\u%04x", c);
  *out += escape;
}

void AppendNumberField(std::string* out, const char* name, uint64_t value) {
  *out += ',';
  *out += JsonString(name);
  *out += ':';
  *out += std::to_string(value);
}

void AppendSignedField(std::string* out, const char* name, int64_t value) {
  *out += ',';
  *out += JsonString(name);
  *out += ':';
  *out += std::to_string(value);
}

// The first max_ids done ids in byte order, so the output is stable.
std::string DoneIdsToJson(const Checkpoint& c, size_t max_ids) {
  // A max-heap of the smallest ids seen: memory for max_ids ids, not all.
  std::vector<std::string_view> ids;
  for (std::string_view id : c.done) {
    if (ids.size() < max_ids) {
      ids.push_back(id);
      std::push_heap(ids.begin(), ids.end());
    } else if (!ids.empty() && id < ids.front()) {
      std::pop_heap(ids.begin(), ids.end());
      ids.back() = id;
      std::push_heap(ids.begin(), ids.end());
    }
  }
  std::sort_heap(ids.begin(), ids.end());
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ',';
    out += JsonString(ids[i]);
  }
  return out + "]";
}

std::string FailuresToJson(const std::vector<Failure>& failures) {
  std::string out = "[";
  for (const Failure& f : failures) {
    if (out.size() > 1) out += ',';
    out += "{\"id\":" + JsonString(f.id) + ",\"reason\":" + JsonString(f.reason) + "}";
  }
  return out + "]";
}

}  // namespace

// Invalid UTF-8: each byte that does not belong to a well-formed sequence
// becomes U+FFFD (written as \ufffd). We chose U+FFFD over \u00XX of the byte
// because \u00XX would silently turn a raw byte into a different, valid
// character (0xE9 would read back as "é", i.e. C3 A9): a visible replacement
// is better than a wrong value. Exact bytes travel only through the binary
// checkpoint and --resume-from, never through JSON.
std::string JsonString(std::string_view text) {
  std::string out = "\"";
  out.reserve(text.size() + 2);
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    size_t length = Utf8SequenceLength(text, i);
    if (length == 0) {
      out += "\\ufffd";
      i += 1;
      continue;
    }
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      AppendEscapedByte(&out, c);
    } else {
      out.append(text.data() + i, length);
    }
    i += length;
  }
  return out + "\"";
}

std::string StateToJson(const std::map<std::string, std::string>& state) {
  std::string out = "{";
  for (const auto& [key, value] : state) {
    if (out.size() > 1) out += ',';
    out += JsonString(key) + ":" + JsonString(value);
  }
  return out + "}";
}

std::string CheckpointToJson(const Checkpoint& c, size_t max_done_ids) {
  std::string out = "{\"position\":";
  out += c.has_position ? JsonString(c.position) : "null";
  out += std::string(",\"complete\":") + (c.complete ? "true" : "false");
  AppendNumberField(&out, "records", c.records);
  AppendNumberField(&out, "attempts", c.attempts);
  AppendNumberField(&out, "restarts", c.restarts);
  AppendSignedField(&out, "created_unix_ms", c.created_unix_ms);
  AppendSignedField(&out, "updated_unix_ms", c.updated_unix_ms);
  // A string: JSON readers commonly hold numbers as doubles, which would round a u64.
  char fingerprint[17];
  std::snprintf(fingerprint, sizeof fingerprint, "%016llx",
                static_cast<unsigned long long>(c.command_fingerprint));
  out += ",\"command_fingerprint\":" + JsonString(fingerprint);
  AppendNumberField(&out, "progress_done", c.progress_done);
  AppendNumberField(&out, "progress_total", c.progress_total);
  AppendNumberField(&out, "done_count", c.done.size());
  out += ",\"done\":" + DoneIdsToJson(c, max_done_ids);
  out += std::string(",\"done_truncated\":") + (c.done.size() > max_done_ids ? "true" : "false");
  out += ",\"failures\":" + FailuresToJson(c.failures);
  out += ",\"state\":" + StateToJson(c.state);
  if (c.progress_file.valid()) {
    out += ",\"progress_file\":{";
    out += "\"device\":" + std::to_string(c.progress_file.dev);
    out += ",\"inode\":" + std::to_string(c.progress_file.ino);
    out += ",\"offset\":" + std::to_string(c.progress_file.offset) + "}";
  }
  // Only when present, like progress_file: older consumers see the same object.
  if (!c.outputs.empty()) {
    out += ",\"outputs\":[";
    for (size_t i = 0; i < c.outputs.size(); ++i) {
      if (i > 0) out += ',';
      out += "{\"path\":" + JsonString(c.outputs[i].path) +
             ",\"size\":" + std::to_string(c.outputs[i].size) + "}";
    }
    out += "]";
  }
  if (!c.inputs.empty()) {
    out += ",\"inputs\":[";
    for (size_t i = 0; i < c.inputs.size(); ++i) {
      if (i > 0) out += ',';
      out += "{\"path\":" + JsonString(c.inputs[i].path) +
             ",\"size\":" + std::to_string(c.inputs[i].size) +
             ",\"mtime_ns\":" + std::to_string(c.inputs[i].mtime_ns) + "}";
    }
    out += "]";
  }
  if (c.keep_done) out += ",\"incremental\":true";
  return out + "}";
}

}  // namespace ckwrap
