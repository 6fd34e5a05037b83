// The snapshot's checksum, computed the same way by the writer and the
// reader: XXH3-64 (seed 0) of header bytes [0, kChecksumOffset) followed by
// the payload (checkpoint_format.h). It covers the version and the length
// too, so no header field is trusted unchecked.
#pragma once

#include <xxhash.h>

#include <cstdint>
#include <string_view>

namespace ckwrap {

// Fed in pieces, so a snapshot of millions of ids is never held whole.
class SnapshotHash {
 public:
  // header: at least the first kChecksumOffset bytes of the file.
  explicit SnapshotHash(std::string_view header);
  ~SnapshotHash();
  SnapshotHash(const SnapshotHash&) = delete;
  SnapshotHash& operator=(const SnapshotHash&) = delete;

  void Add(std::string_view payload_piece);
  uint64_t Digest() const;

 private:
  XXH3_state_t* state_;
};

// The checksum of a header and the whole payload.
uint64_t SnapshotChecksum(std::string_view header, std::string_view payload);

}  // namespace ckwrap
