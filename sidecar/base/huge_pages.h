// Transparent huge pages for the few large buffers (a done set's table and
// arena, a snapshot read whole, a flood's journal buffer). Debian's kernels
// enable them on request only (madvise), and on a virtual machine a page
// fault is dear: on the 2-core VM in NOTES.md, touching fresh memory in
// 4 KiB pages runs at 0.34 GB/s (12 us a fault), in huge pages at 0.5 GB/s
// the first time and 12 GB/s once the host backs them.
#pragma once

#include <cstddef>
#include <new>

namespace ckwrap {

// Asks for huge pages over the 2 MiB-aligned part of [data, data + bytes),
// before it is first touched; a no-op for smaller ranges or where the kernel
// says no (the pages are then ordinary ones).
void AdviseHugePages(void* data, size_t bytes);

// bytes of memory, uninitialized, on a 64-byte boundary. From 2 MiB up: a
// mapping of its own on a 2 MiB boundary (malloc's 16-byte header would
// leave a 4 MiB block only one whole huge page), advised for huge pages and
// given back to the system when freed. Throws std::bad_alloc.
void* AllocateHugePageable(size_t bytes);
// bytes: as allocated (a large block is a mapping of its own).
void FreeHugePageable(void* data, size_t bytes);

// For the containers of those buffers: std::vector<T, HugePageAllocator<T>>.
template <typename T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) {}  // NOLINT: converting, as std::allocator
  T* allocate(size_t n) {
    if (n > static_cast<size_t>(-1) / sizeof(T)) throw std::bad_alloc();
    return static_cast<T*>(AllocateHugePageable(n * sizeof(T)));
  }
  void deallocate(T* data, size_t n) { FreeHugePageable(data, n * sizeof(T)); }
  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const {
    return true;
  }
  template <typename U>
  bool operator!=(const HugePageAllocator<U>&) const {
    return false;
  }
};

}  // namespace ckwrap
