// libFuzzer target: the snapshot decoder. Whatever it accepts must round-trip.
// Most inputs are sealed first (their length and checksum made right), so
// the fuzzer reaches the payload's decoder, the done set's image included,
// rather than stopping at the checksum; a journal to make room for, chosen
// by the last byte, takes the image's other path (its table rebuilt).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "../unit/store/encoding_test_util.h"
#include "store/checkpoint_format.h"
#include "store/snapshot_reader.h"

namespace {

// Whether every id of done is found by its own lookups. A crafted image can
// put an id where its hash does not lead (the reader does not check that,
// ckwrap-checkpoint(5), VERIFICATION): such a set is not a decoder fault,
// and equality, which looks ids up, says nothing about its round trip.
bool FindsItsOwnIds(const ckwrap::DoneSet& done) {
  for (std::string_view id : done) {
    if (!done.contains(id)) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  const uint8_t last = size == 0 ? 0 : data[size - 1];
  if (bytes.size() >= ckwrap::checkpoint_format::kHeaderBytes && (last & 0x80) == 0) {
    bytes = ckwrap::testing::Reseal(bytes);
  }
  const uint64_t journal_bytes = (last & 1) != 0 ? 4096 : 0;
  ckwrap::Checkpoint checkpoint;
  if (!ckwrap::DecodeCheckpoint(bytes, &checkpoint, journal_bytes).ok()) return 0;
  if (!FindsItsOwnIds(checkpoint.done)) return 0;
  ckwrap::Checkpoint again;
  if (!ckwrap::DecodeCheckpoint(ckwrap::testing::SnapshotBytes(checkpoint), &again).ok() ||
      !(again == checkpoint)) {
    __builtin_trap();
  }
  return 0;
}
