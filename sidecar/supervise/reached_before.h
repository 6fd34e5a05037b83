// What a job has reached before, to tell a record that moves the checkpoint
// ahead from one that goes over old ground again (man/ckwrap.1, SUPERVISION):
// a job that ignores its resume position and dies, re-sending the same
// positions and values on every run, makes no progress.
//
// A numeric CKPT position (decimal digits only) is new only when it is
// greater than every numeric position reached before. Any other position, and
// a STATE key's value, is new only when this ckwrap has not seen it before;
// those are remembered as 64-bit hashes, at most kMaxRemembered of each
// (about 6 MiB each: a flood of changing values must stay within the memory
// backpressure bounds), beyond which one not remembered counts as new: a job that
// moves on is never given up on for want of memory.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "store/checkpoint.h"
#include "store/done_set.h"

namespace ckwrap {

// Both numeric (decimal digits), and a < b as numbers, whatever their length.
bool NumericallyBefore(std::string_view a, std::string_view b);
bool IsNumericPosition(std::string_view position);

class ReachedBefore {
 public:
  static constexpr size_t kMaxRemembered = size_t{1} << 18;

  // The checkpoint a run of ckwrap starts from has been reached.
  explicit ReachedBefore(const Checkpoint& start);

  // True if position is new; it is remembered either way.
  bool ReachPosition(std::string_view position);
  // True if key's value is one it has not had before.
  bool ReachState(std::string_view key, std::string_view value);
  // A resumed run's first position is behind where it was resumed: a smaller
  // number, or another position reached before.
  bool Behind(std::string_view first, std::string_view resumed_at) const;

 private:
  bool has_high_water_ = false;
  std::string high_water_;  // the greatest numeric position reached
  DoneSet positions_;       // hashes of the other positions
  DoneSet states_;          // hashes of (key, value)
};

}  // namespace ckwrap
