// What a state directory holds, by file name (store/filenames.h): the
// snapshot generations, the journals and leftover temp files. Load, the
// orphan-journal check and fencing all read the directory through this.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/directory.h"

namespace ckwrap {

struct DirListing {
  std::vector<uint64_t> generations;  // newest first
  std::vector<uint64_t> journals;     // journal generations, any order
  std::vector<std::string> temp_files;
  // The newest generation of any file, snapshot or journal; 0 for none.
  uint64_t newest() const;
};

// Lists dir through a descriptor of its own (readdir moves the offset of
// the descriptor it reads; the directory's stays put for openat).
Status ListDir(const Directory& dir, DirListing* listing);

// The newest snapshot generation above own in the listing; else the newest
// generation of any file (a journal alone), or 0.
uint64_t NewestSnapshotAbove(const DirListing& listing, uint64_t own);

}  // namespace ckwrap
