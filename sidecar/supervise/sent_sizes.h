// The sizes a job sent for its declared outputs (SIZE records,
// man/ckwrap-protocol.7): the job's shim stats each output when it writes a
// CKPT or DONE and sends the sizes in the same write, so the size committed
// with the record is the one the file had then, not the larger one ckwrap
// would see when it reads the record, after the job has written on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ckwrap {

class SentSizes {
 public:
  // A SIZE for declared output i: it waits for the next CKPT or DONE.
  void Send(size_t output, uint64_t bytes);
  // Any size waiting: false keeps a run without SIZE records to one test per
  // CKPT or DONE.
  bool any_waiting() const { return waiting_ > 0; }
  // For the CKPT or DONE being applied: true and *bytes when a size waits for
  // output i (it no longer waits). Never below a size sent before in this
  // run: parallel workers appending to one file may send their sizes out of
  // order, and the rows below the larger one are DONE already.
  bool Take(size_t output, uint64_t* bytes);
  // Whether a size was taken for output i since the last call: a size the
  // job sent is checked against the file before it commits.
  bool TakeUnchecked(size_t output);
  // A new launch: the file was cut back to the checkpoint, and the job that
  // sent the sizes is gone.
  void Clear();

 private:
  static constexpr uint64_t kNone = UINT64_MAX;
  struct Sent {
    uint64_t waiting = kNone;
    uint64_t largest = 0;  // of this run
    bool unchecked = false;
  };
  std::vector<Sent> sent_;
  size_t waiting_ = 0;  // entries of sent_ with a size waiting
};

}  // namespace ckwrap
