#include "base/huge_pages.h"

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>

namespace ckwrap {
namespace {

constexpr uintptr_t kHugePage = uintptr_t{2} << 20;

}  // namespace

void AdviseHugePages(void* data, size_t bytes) {
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + kHugePage - 1) & ~(kHugePage - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + bytes) & ~(kHugePage - 1);
  if (end <= begin) return;
  // Advice only: an error (no THP in this kernel) leaves ordinary pages.
  (void)madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

void* AllocateHugePageable(size_t bytes) {
  if (bytes < kHugePage) {
    void* data = std::malloc(bytes == 0 ? 1 : bytes);
    if (data == nullptr) throw std::bad_alloc();
    return data;
  }
  // glibc maps a block this large on its own and gives back the aligned
  // part; the slack before it is never touched, so it costs no memory.
  void* data = nullptr;
  if (posix_memalign(&data, kHugePage, bytes) != 0) throw std::bad_alloc();
  AdviseHugePages(data, bytes);
  return data;
}

void FreeHugePageable(void* data) { std::free(data); }

}  // namespace ckwrap
