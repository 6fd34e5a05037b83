#include "base/huge_pages.h"

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>

namespace ckwrap {
namespace {

constexpr uintptr_t kHugePage = uintptr_t{2} << 20;
constexpr size_t kCacheLine = 64;
constexpr size_t kPage = 4096;
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;  // blocks from ASan's allocator, so it sees them
#else
constexpr bool kSanitized = false;
#endif

size_t RoundUp(size_t bytes, size_t unit) { return (bytes + unit - 1) / unit * unit; }

// A mapping of its own, on a 2 MiB boundary: freed, it goes back to the
// system at once. From glibc a block under its mmap threshold (which rises
// to 32 MiB as blocks are freed) came from the heap, and a done set's old
// table stayed resident there while the new one filled.
void* MapHugePageable(size_t bytes) {
  if (kSanitized) {
    void* data = nullptr;
    if (posix_memalign(&data, kHugePage, bytes) != 0) throw std::bad_alloc();
    AdviseHugePages(data, bytes);
    return data;
  }
  const size_t length = RoundUp(bytes, kPage);
  void* mapped =
      mmap(nullptr, length + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) throw std::bad_alloc();
  // The slack before the boundary and after the block goes back.
  const auto at = reinterpret_cast<uintptr_t>(mapped);
  const uintptr_t begin = (at + kHugePage - 1) & ~(kHugePage - 1);
  if (begin > at) (void)munmap(mapped, begin - at);
  const uintptr_t end = at + length + kHugePage;
  if (end > begin + length)
    (void)munmap(reinterpret_cast<void*>(begin + length), end - begin - length);
  void* data = reinterpret_cast<void*>(begin);
  AdviseHugePages(data, bytes);
  return data;
}

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
    // On a cache line: a done set's buckets are one line each.
    void* data = nullptr;
    if (posix_memalign(&data, kCacheLine, bytes == 0 ? 1 : bytes) != 0) throw std::bad_alloc();
    return data;
  }
  return MapHugePageable(bytes);
}

void FreeHugePageable(void* data, size_t bytes) {
  if (bytes < kHugePage || kSanitized) {
    std::free(data);
  } else {
    (void)munmap(data, RoundUp(bytes, kPage));
  }
}

}  // namespace ckwrap
