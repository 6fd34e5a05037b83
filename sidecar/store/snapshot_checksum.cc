#include "store/snapshot_checksum.h"

#include <new>

#include "store/checkpoint_format.h"

namespace ckwrap {

SnapshotHash::SnapshotHash(std::string_view header) : state_(XXH3_createState()) {
  if (state_ == nullptr) throw std::bad_alloc();
  XXH3_64bits_reset(state_);
  XXH3_64bits_update(state_, header.data(), checkpoint_format::kChecksumOffset);
}

SnapshotHash::~SnapshotHash() { XXH3_freeState(state_); }

void SnapshotHash::Add(std::string_view payload_piece) {
  XXH3_64bits_update(state_, payload_piece.data(), payload_piece.size());
}

uint64_t SnapshotHash::Digest() const { return XXH3_64bits_digest(state_); }

uint64_t SnapshotChecksum(std::string_view header, std::string_view payload) {
  SnapshotHash hash(header);
  hash.Add(payload);
  return hash.Digest();
}

}  // namespace ckwrap
