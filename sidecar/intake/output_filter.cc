#include "intake/output_filter.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace ckwrap {
namespace {

std::string_view StripCr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

OutputFilter::OutputFilter(std::string prefix, size_t max_line_bytes, Callbacks callbacks)
    : prefix_(std::move(prefix)),
      max_line_bytes_(max_line_bytes),
      callbacks_(std::move(callbacks)) {}

void OutputFilter::Feed(std::string_view bytes) {
  const char* p = bytes.data();
  const char* const end = p + bytes.size();
  while (p < end) {
    switch (mode_) {
      case Mode::kLineStart:
        p = AtLineStart(p, end);
        break;
      case Mode::kRecord:
      case Mode::kDiscard:
        p = InRecord(p, end);
        break;
      case Mode::kPass:
        p = InPass(p, end);
        break;
    }
  }
  if (span_ != nullptr && out_.empty()) {
    // The common case: all the read passes through, written from the read buffer.
    if (callbacks_.pass) callbacks_.pass(std::string_view(span_, end - span_));
    span_ = nullptr;
    return;
  }
  CloseSpan(end);
  Flush();
}

void OutputFilter::CloseSpan(const char* p) {
  if (span_ == nullptr) return;
  out_.append(span_, p - span_);
  span_ = nullptr;
}

// Compares the line's first bytes with the prefix, holding them while they
// match: a mismatch makes the line a text line, a full match a record.
const char* OutputFilter::AtLineStart(const char* p, const char* end) {
  if (prefix_.empty()) {
    mode_ = Mode::kPass;
    return p;
  }
  const size_t want = prefix_.size() - held_.size();
  const size_t n = std::min(want, static_cast<size_t>(end - p));
  if (std::memcmp(p, prefix_.data() + held_.size(), n) != 0) {
    mode_ = Mode::kPass;
    if (held_.empty()) return p;  // the pass-through span goes on
    // Not a record: what was held is ordinary output, sent ahead of the rest.
    CloseSpan(p);
    out_.append(held_);
    text_.assign(held_);
    text_overlong_ = false;
    held_.clear();
    return p;
  }
  CloseSpan(p);  // these bytes are held, maybe a record
  held_.append(p, n);
  if (held_.size() == prefix_.size()) {
    held_.clear();
    mode_ = Mode::kRecord;
  }
  return p + n;
}

const char* OutputFilter::InRecord(const char* p, const char* end) {
  const auto* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
  const char* stop = nl ? nl : end;
  if (mode_ == Mode::kRecord) {
    // max + 1: room for a '\r' whose '\n' is still to come.
    if (held_.size() + (stop - p) > max_line_bytes_ + 1) {
      held_.clear();
      if (callbacks_.overlong) callbacks_.overlong(line_number_ + 1);
      mode_ = Mode::kDiscard;
    } else {
      held_.append(p, stop - p);
    }
  }
  if (nl == nullptr) return end;
  ++line_number_;
  if (mode_ == Mode::kRecord) {
    std::string_view line = StripCr(held_);
    if (line.size() > max_line_bytes_) {
      if (callbacks_.overlong) callbacks_.overlong(line_number_);
    } else if (callbacks_.record) {
      callbacks_.record(line_number_, line);
    }
  }
  held_.clear();
  mode_ = Mode::kLineStart;
  return nl + 1;
}

const char* OutputFilter::InPass(const char* p, const char* end) {
  const auto* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
  const char* stop = nl ? nl + 1 : end;
  if (span_ == nullptr) span_ = p;
  if (callbacks_.text) {
    const size_t body = (nl ? nl : end) - p;
    if (nl != nullptr && text_.empty() && !text_overlong_) {
      // The common case: the whole line is in this read, no copy.
      ++line_number_;
      EndTextLine(std::string_view(p, body));
      mode_ = Mode::kLineStart;
      return stop;
    }
    if (text_overlong_ || text_.size() + body > max_line_bytes_ + 1) {
      text_.clear();
      text_overlong_ = true;
    } else {
      text_.append(p, body);
    }
  }
  if (nl == nullptr) return end;
  ++line_number_;
  if (callbacks_.text && !text_overlong_) EndTextLine(text_);
  text_.clear();
  text_overlong_ = false;
  mode_ = Mode::kLineStart;
  return stop;
}

void OutputFilter::EndTextLine(std::string_view line) {
  line = StripCr(line);
  if (line.size() <= max_line_bytes_) callbacks_.text(line_number_, line);
}

void OutputFilter::Finish() {
  switch (mode_) {
    case Mode::kLineStart:
      out_.append(held_);  // a partial prefix at EOF is output, not a record
      if (!held_.empty() && callbacks_.text) {
        ++line_number_;
        EndTextLine(held_);
      }
      break;
    case Mode::kRecord:
      if (!held_.empty()) {
        ++line_number_;
        std::string_view line = StripCr(held_);
        if (line.size() > max_line_bytes_) {
          if (callbacks_.overlong) callbacks_.overlong(line_number_);
        } else if (callbacks_.record) {
          callbacks_.record(line_number_, line);
        }
      }
      break;
    case Mode::kDiscard:
      ++line_number_;
      break;
    case Mode::kPass:
      ++line_number_;
      if (callbacks_.text && !text_overlong_) EndTextLine(text_);
      break;
  }
  held_.clear();
  text_.clear();
  text_overlong_ = false;
  mode_ = Mode::kLineStart;
  Flush();
}

void OutputFilter::Flush() {
  if (out_.empty()) return;
  if (callbacks_.pass) callbacks_.pass(out_);
  out_.clear();
}

}  // namespace ckwrap
