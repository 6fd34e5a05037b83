// Installs a FileOps test double for one scope (store/file_ops.h's seam).
#pragma once

#include "store/file_ops.h"

namespace ckwrap {

class ScopedFileOps {
 public:
  explicit ScopedFileOps(FileOps* ops) : previous_(SetFileOpsForTesting(ops)) {}
  ~ScopedFileOps() { SetFileOpsForTesting(previous_); }
  ScopedFileOps(const ScopedFileOps&) = delete;
  ScopedFileOps& operator=(const ScopedFileOps&) = delete;

 private:
  FileOps* previous_;
};

}  // namespace ckwrap
