#include "supervise/sent_sizes.h"

#include <algorithm>

namespace ckwrap {

void SentSizes::Send(size_t output, uint64_t bytes) {
  if (output >= sent_.size()) sent_.resize(output + 1);
  Sent& sent = sent_[output];
  if (sent.waiting == kNone) {
    waiting_++;
    sent.waiting = bytes;
  } else {
    // Two sizes before one record (two workers): the larger holds both rows.
    sent.waiting = std::max(sent.waiting, bytes);
  }
}

bool SentSizes::Take(size_t output, uint64_t* bytes) {
  if (output >= sent_.size() || sent_[output].waiting == kNone) return false;
  Sent& sent = sent_[output];
  sent.largest = std::max(sent.largest, sent.waiting);
  sent.waiting = kNone;
  sent.unchecked = true;
  waiting_--;
  *bytes = sent.largest;
  return true;
}

bool SentSizes::TakeUnchecked(size_t output) {
  if (output >= sent_.size() || !sent_[output].unchecked) return false;
  sent_[output].unchecked = false;
  return true;
}

void SentSizes::Clear() {
  sent_.clear();
  waiting_ = 0;
}

}  // namespace ckwrap
