// libFuzzer target: the snapshot decoder. Whatever it accepts must round-trip.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "../unit/store/encoding_test_util.h"
#include "store/snapshot_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  ckwrap::Checkpoint checkpoint;
  if (!ckwrap::DecodeCheckpoint(bytes, &checkpoint).ok()) return 0;
  ckwrap::Checkpoint again;
  if (!ckwrap::DecodeCheckpoint(ckwrap::testing::SnapshotBytes(checkpoint), &again).ok() ||
      !(again == checkpoint)) {
    __builtin_trap();
  }
  return 0;
}
