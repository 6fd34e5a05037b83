// Transparent huge pages for the few large buffers (a done set's table and
// arena, a snapshot read whole). Debian's kernels enable them on request only
// (madvise), and on a virtual machine a page fault is dear: loading 10 M ids
// touched 450 MB in 4 KiB pages, a quarter of a start-up's time.
#pragma once

#include <cstddef>

namespace ckwrap {

// Asks for huge pages over the 2 MiB-aligned part of [data, data + bytes),
// before it is first touched; a no-op for smaller ranges or where the kernel
// says no (the pages are then ordinary ones).
void AdviseHugePages(void* data, size_t bytes);

}  // namespace ckwrap
