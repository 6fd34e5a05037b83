// A crafted checkpoint cannot make the decoder allocate more than the file's
// own size plus a small constant: every size prefix is checked against the
// bytes left before anything is reserved.
#include <doctest/doctest.h>
#include <xxhash.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "store/checkpoint_format.h"
#include "store/coding.h"
#include "store/encoding_test_util.h"
#include "store/snapshot_reader.h"

namespace {

std::atomic<bool> tracking{false};
std::atomic<size_t> largest{0};

void Note(size_t size) {
  if (!tracking.load(std::memory_order_relaxed)) return;
  size_t seen = largest.load(std::memory_order_relaxed);
  while (size > seen && !largest.compare_exchange_weak(seen, size)) {
  }
}

}  // namespace

// Counting replacements of the global allocation functions (this test binary
// only). They are a matched malloc/free pair, which GCC cannot see.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void* operator new(size_t size) {
  Note(size);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

TEST_SUITE_BEGIN("store/decoder_allocation");

TEST_CASE("A crafted size prefix never makes the decoder allocate beyond the file size") {
  ckwrap::Checkpoint checkpoint;
  checkpoint.has_position = true;
  checkpoint.position = "row 743";
  for (int i = 0; i < 50; ++i) checkpoint.done.insert("item-" + std::to_string(i));
  checkpoint.failures.Record("bad", "timeout");
  checkpoint.state["cursor"] = "abc";
  const std::string good = ckwrap::testing::SnapshotBytes(checkpoint);
  constexpr size_t kSlack = 64 * 1024;
  size_t worst = 0;
  // Every 8-byte window of the payload set to a huge count, resealed.
  for (size_t at = ckwrap::checkpoint_format::kHeaderBytes; at + 8 <= good.size(); ++at) {
    for (uint64_t claim : {uint64_t{1} << 27, uint64_t{1} << 40, ~uint64_t{0}}) {
      std::string crafted = good;
      std::memcpy(&crafted[at], &claim, 8);
      crafted = ckwrap::testing::Reseal(crafted);
      ckwrap::Checkpoint out;
      largest = 0;
      tracking = true;
      (void)ckwrap::DecodeCheckpoint(crafted, &out);
      tracking = false;
      worst = std::max(worst, largest.load());
    }
  }
  CHECK(worst <= good.size() + kSlack);
}

TEST_SUITE_END();
