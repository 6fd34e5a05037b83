// The v1 line protocol. The grammar, and the decisions on empty lines, ids
// with spaces and STATE without a value, are in man/ckwrap-protocol.7.
#include "intake/protocol.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <utility>

namespace ckwrap {
namespace {

// Untrusted text quoted in an error message is cut to this many bytes.
constexpr size_t kMaxQuotedBytes = 32;

bool Fail(std::string* error, std::string message) {
  if (error != nullptr) *error = std::move(message);
  return false;
}

// The bytes of s made safe for a terminal or a log: at most kMaxQuotedBytes,
// anything but printable ASCII (control bytes, NUL, UTF-8) shown as '?'.
std::string Quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s.substr(0, kMaxQuotedBytes)) {
    const auto byte = static_cast<unsigned char>(c);
    out += (byte >= 0x20 && byte < 0x7f) ? c : '?';
  }
  out += s.size() > kMaxQuotedBytes ? "\"..." : "\"";
  return out;
}

// "head rest": head up to the first space, rest after it (empty without one).
std::pair<std::string_view, std::string_view> SplitField(std::string_view s) {
  const size_t space = s.find(' ');
  if (space == std::string_view::npos) return {s, {}};
  return {s.substr(0, space), s.substr(space + 1)};
}

// Strict unsigned decimal: digits only, no sign, no space, no overflow.
// what names the field in messages ("PROGRESS count").
bool ParseNumber(std::string_view field, const char* what, uint64_t* out, std::string* error) {
  const char* const end = field.data() + field.size();
  const auto [ptr, ec] = std::from_chars(field.data(), end, *out);
  if (ec == std::errc::result_out_of_range) {
    return Fail(error, std::string(what) + " out of range: " + Quoted(field));
  }
  if (field.empty() || ec != std::errc() || ptr != end) {
    return Fail(error, std::string(what) + " is not an unsigned decimal integer: " + Quoted(field));
  }
  return true;
}

// Each parser gets the text after "VERB " (args) and whether that space was
// there at all (has_args), so "VERB" and "VERB " can be told apart.
using VerbParser = bool (*)(std::string_view args, bool has_args, Record* out, std::string* error);

bool ParseCkpt(std::string_view args, bool, Record* out, std::string* error) {
  if (args.empty()) return Fail(error, "CKPT needs a position");
  out->arg = args;
  return true;
}

bool ParseDone(std::string_view args, bool, Record* out, std::string* error) {
  if (args.empty()) return Fail(error, "DONE needs an id");
  out->arg = args;
  return true;
}

// "FAIL id reason" and "STATE key value": a first word that must be there,
// then the rest of the line (possibly empty) as the detail.
bool ParseKeyed(std::string_view args, const char* missing, Record* out, std::string* error) {
  const auto [key, rest] = SplitField(args);
  if (key.empty()) return Fail(error, missing);
  out->arg = key;
  out->detail = rest;
  return true;
}

bool ParseFail(std::string_view args, bool, Record* out, std::string* error) {
  return ParseKeyed(args, "FAIL needs an id", out, error);
}

bool ParseState(std::string_view args, bool, Record* out, std::string* error) {
  return ParseKeyed(args, "STATE needs a key", out, error);
}

bool ParseProgress(std::string_view args, bool, Record* out, std::string* error) {
  if (args.empty()) return Fail(error, "PROGRESS needs a count");
  const size_t space = args.find(' ');
  if (!ParseNumber(args.substr(0, space), "PROGRESS count", &out->count, error)) return false;
  if (space == std::string_view::npos) return true;
  const std::string_view total = args.substr(space + 1);
  if (total.find(' ') != std::string_view::npos) {
    return Fail(error, "PROGRESS takes at most two numbers");
  }
  return ParseNumber(total, "PROGRESS total", &out->total, error);
}

bool ParseComplete(std::string_view, bool has_args, Record*, std::string* error) {
  if (has_args) return Fail(error, "COMPLETE takes no arguments");
  return true;
}

bool ParseSlot(std::string_view, bool has_args, Record*, std::string* error) {
  if (has_args) return Fail(error, "SLOT takes no arguments");
  return true;
}

bool ParseOutput(std::string_view args, bool, Record* out, std::string* error) {
  if (args.empty()) return Fail(error, "OUTPUT needs a path");
  out->arg = args;
  return true;
}

// "SIZE bytes path": the size an output had when the job wrote the record
// after it; path is the rest of the line, as OUTPUT's is.
bool ParseSize(std::string_view args, bool, Record* out, std::string* error) {
  if (args.empty()) return Fail(error, "SIZE needs a size and a path");
  const auto [bytes, path] = SplitField(args);
  if (!ParseNumber(bytes, "SIZE bytes", &out->count, error)) return false;
  if (path.empty()) return Fail(error, "SIZE needs a path after its size");
  out->arg = path;
  return true;
}

bool ParseSync(std::string_view args, bool, Record* out, std::string* error) {
  if (args.empty() || args.find(' ') != std::string_view::npos) {
    return Fail(error, "SYNC needs one token without spaces");
  }
  out->arg = args;
  return true;
}

// What each verb's arg is, for messages.
const char* ArgName(Verb verb) {
  switch (verb) {
    case Verb::kCkpt:
      return "position";
    case Verb::kDone:
    case Verb::kFail:
      return "id";
    case Verb::kState:
      return "key";
    case Verb::kOutput:
    case Verb::kSize:
      return "path";
    case Verb::kSync:
      return "token";
    default:
      return "argument";
  }
}

struct VerbEntry {
  std::string_view name;
  Verb verb;
  VerbParser parse;
};

constexpr VerbEntry kVerbs[] = {
    {"CKPT", Verb::kCkpt, ParseCkpt},
    {"DONE", Verb::kDone, ParseDone},
    {"FAIL", Verb::kFail, ParseFail},
    {"STATE", Verb::kState, ParseState},
    {"PROGRESS", Verb::kProgress, ParseProgress},
    {"COMPLETE", Verb::kComplete, ParseComplete},
    {"OUTPUT", Verb::kOutput, ParseOutput},
    {"SYNC", Verb::kSync, ParseSync},
    {"SIZE", Verb::kSize, ParseSize},
    {"SLOT", Verb::kSlot, ParseSlot},
};

}  // namespace

bool ParseRecord(std::string_view line, Record* out, std::string* error) {
  // Reported, not skipped here: whether a blank line matters is the caller's call.
  if (line.empty()) return Fail(error, "empty line");
  const size_t space = line.find(' ');
  const bool has_args = space != std::string_view::npos;
  const std::string_view name = line.substr(0, space);
  const std::string_view args = has_args ? line.substr(space + 1) : std::string_view();
  if (name.empty()) return Fail(error, "line starts with a space, not a verb");
  for (const VerbEntry& entry : kVerbs) {
    if (entry.name != name) continue;
    Record record;
    record.verb = entry.verb;
    if (!entry.parse(args, has_args, &record, error)) return false;
    // A NUL would be cut short by every C string the value meets later (the
    // resumed job's argv and environment): refused here, not truncated there.
    if (record.arg.find('\0') != std::string_view::npos) {
      return Fail(error, std::string(name) + " " + ArgName(entry.verb) + " contains a NUL byte");
    }
    *out = record;
    return true;
  }
  return Fail(error, "unknown verb " + Quoted(name));
}

LineSplitter::LineSplitter(size_t max_line_bytes, LineFn on_line, OverlongFn on_overlong)
    : max_line_bytes_(max_line_bytes),
      on_line_(std::move(on_line)),
      on_overlong_(std::move(on_overlong)) {}

// Hot path: one memchr per line; a line wholly inside `bytes` is handed out as
// a view into it, and only the unfinished tail is copied into partial_.
void LineSplitter::Feed(std::string_view bytes) {
  const char* p = bytes.data();
  const char* const end = p + bytes.size();
  while (p < end) {
    const auto* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
    if (nl == nullptr) {
      if (!discarding_) KeepTail(std::string_view(p, end - p));
      return;
    }
    std::string_view piece(p, nl - p);
    p = nl + 1;
    if (discarding_) {  // the '\n' ending a line already reported as overlong
      discarding_ = false;
      ++line_number_;
    } else if (partial_.empty()) {
      if (!piece.empty() && piece.back() == '\r') piece.remove_suffix(1);
      EndLine(piece);
    } else {
      // Strip the '\r' before joining, so partial_ never outgrows max + 1.
      if (!piece.empty() && piece.back() == '\r') {
        piece.remove_suffix(1);
      } else if (piece.empty() && partial_.back() == '\r') {
        partial_.pop_back();
      }
      if (partial_.size() + piece.size() > max_line_bytes_) {
        partial_.clear();
        ReportOverlong();
        ++line_number_;
        continue;
      }
      partial_.append(piece);
      EndLine(partial_);
      partial_.clear();
    }
  }
}

void LineSplitter::Finish() {
  if (discarding_) {
    discarding_ = false;
    ++line_number_;
    return;
  }
  if (partial_.empty()) return;
  std::string_view line = partial_;
  if (line.back() == '\r') line.remove_suffix(1);
  EndLine(line);
  partial_.clear();
}

// `line` has lost its "\n" and one trailing '\r'.
void LineSplitter::EndLine(std::string_view line) {
  if (line.size() > max_line_bytes_) {
    ReportOverlong();
    ++line_number_;
    return;
  }
  ++line_number_;
  on_line_(line_number_, line);
}

// Keeps an unfinished line. Up to max + 1 bytes fit (the last may be a '\r'
// whose '\n' is in the next read); more means overlong, found before the
// newline arrives, so memory stays bounded however long the line gets.
void LineSplitter::KeepTail(std::string_view tail) {
  const size_t needed = partial_.size() + tail.size();
  if (needed > max_line_bytes_ + 1) {
    partial_.clear();
    ReportOverlong();
    discarding_ = true;  // up to and including this line's '\n'
    return;
  }
  if (needed > partial_.capacity()) {
    // Grow by hand: string's own doubling could overshoot the bound.
    std::string grown;
    grown.reserve(std::min(max_line_bytes_ + 1, std::max(needed, 2 * partial_.capacity())));
    grown.append(partial_);
    partial_.swap(grown);
  }
  partial_.append(tail);
}

// The line being reported is the one not yet counted.
void LineSplitter::ReportOverlong() { on_overlong_(line_number_ + 1); }

}  // namespace ckwrap
