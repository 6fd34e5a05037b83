// libFuzzer target: the journal reader, on a checkpoint it applies records to.
// The first 8 bytes are the generation the journal must belong to.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "store/checkpoint.h"
#include "store/journal_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  uint64_t generation = 1;
  if (size >= 8) {
    std::memcpy(&generation, data, 8);
    data += 8;
    size -= 8;
  }
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  ckwrap::Checkpoint checkpoint;
  ckwrap::JournalReplay replay;
  (void)ckwrap::ReplayJournal(bytes, generation, &checkpoint, &replay);
  if (replay.valid_bytes > size) __builtin_trap();
  return 0;
}
