#include "base/huge_pages.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace ckwrap {
namespace {

TEST_SUITE_BEGIN("base/huge_pages");

bool HugePagesOnRequest() {
  std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string modes;
  std::getline(in, modes);
  return modes.find("[madvise]") != std::string::npos ||
         modes.find("[always]") != std::string::npos;
}

// AnonHugePages of the mapping that holds address, in KiB (/proc/self/smaps).
long HugeKibAt(const void* address) {
  const auto at = reinterpret_cast<uintptr_t>(address);
  std::ifstream smaps("/proc/self/smaps");
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    uintptr_t begin = 0;
    uintptr_t end = 0;
    char dash = 0;
    std::istringstream range(line);
    if (line.find(':') > line.find(' ') && range >> std::hex >> begin >> dash >> end) {
      inside = dash == '-' && begin <= at && at < end;
    } else if (inside && line.rfind("AnonHugePages:", 0) == 0) {
      return std::stol(line.substr(std::strlen("AnonHugePages:")));
    }
  }
  return -1;
}

TEST_CASE("A block of 2 MiB or more starts on a huge page boundary; a small one is ordinary") {
  void* big = AllocateHugePageable(size_t{4} << 20);
  CHECK(reinterpret_cast<uintptr_t>(big) % (size_t{2} << 20) == 0);
  void* small = AllocateHugePageable(100);
  CHECK(small != nullptr);
  std::memset(small, 1, 100);
  FreeHugePageable(small, 100);
  FreeHugePageable(big, size_t{4} << 20);
}

TEST_CASE("A done set's 4 MiB of ids fill whole huge pages, not 4 KiB pages") {
#if defined(__SANITIZE_ADDRESS__)
  MESSAGE("AddressSanitizer's allocator maps its own memory: nothing to check");
  return;
#endif
  if (!HugePagesOnRequest()) {
    MESSAGE("transparent huge pages are off on this machine: nothing to check");
    return;
  }
  // The arena's chunks and the table use this allocator: 4 MiB touched
  // from its start should be two huge pages (a page fault each, not 1024).
  std::vector<char, HugePageAllocator<char>> block(size_t{4} << 20, 'x');
  CHECK(HugeKibAt(block.data()) >= 4096);
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
