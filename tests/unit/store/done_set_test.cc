#include "store/done_set.h"

#include <doctest/doctest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

using ckwrap::DoneSet;

namespace {

std::vector<std::string> Listed(const DoneSet& set) {
  std::vector<std::string> ids;
  for (std::string_view id : set) ids.emplace_back(id);
  return ids;
}

}  // namespace

TEST_SUITE_BEGIN("store/done_set");

TEST_CASE("A done set holds each id once and lists them in insertion order") {
  DoneSet set;
  CHECK(set.empty());
  CHECK(set.begin() == set.end());
  CHECK_FALSE(set.contains("a"));
  CHECK(set.insert("b"));
  CHECK(set.insert("a"));
  CHECK_FALSE(set.insert("b"));
  CHECK(set.insert(""));  // an empty id is an id
  CHECK_FALSE(set.insert(""));
  CHECK(set.size() == 3);
  CHECK(set.contains("a"));
  CHECK(set.count("b") == 1);
  CHECK(set.count("c") == 0);
  CHECK(Listed(set) == std::vector<std::string>{"b", "a", ""});
}

TEST_CASE("A done set keeps any bytes and any length, across chunks and varint widths") {
  DoneSet set;
  std::vector<std::string> ids = {std::string("\0\xff\n\r", 4), std::string(127, 'x'),
                                  std::string(128, 'x'), std::string(16383, 'y'),
                                  std::string(16384, 'y')};
  // Longer than a chunk (1 MiB): it gets a chunk of its own.
  ids.push_back(std::string((1 << 20) + 5, 'z'));
  ids.push_back(std::string(1 << 20, 'w'));
  for (int i = 0; i < 3000; ++i) ids.push_back(std::string(500, 'a') + std::to_string(i));
  for (const std::string& id : ids) CHECK(set.insert(id));
  for (const std::string& id : ids) CHECK_FALSE(set.insert(id));
  CHECK(set.size() == ids.size());
  CHECK(Listed(set) == ids);
  CHECK_FALSE(set.contains(std::string(129, 'x')));
  CHECK_FALSE(set.contains(std::string((1 << 20) + 4, 'z')));
}

TEST_CASE("A done set agrees with std::unordered_set over random inserts and lookups") {
  std::mt19937_64 random(7);
  DoneSet set;
  std::unordered_set<std::string> reference;
  std::vector<std::string> order;
  // Short ids from a small alphabet: many repeats, many near-collisions.
  for (int i = 0; i < 300000; ++i) {
    std::string id = std::to_string(random() % 150000);
    if (random() % 4 == 0) id += std::string(random() % 40, 'q');
    bool added = reference.insert(id).second;
    REQUIRE(set.insert(id) == added);
    if (added) order.push_back(id);
    std::string probe = std::to_string(random() % 300000);
    REQUIRE(set.contains(probe) == (reference.count(probe) == 1));
  }
  CHECK(set.size() == reference.size());
  CHECK(Listed(set) == order);
}

TEST_CASE("Copies are independent, equality ignores order, and reserve, merge and clear work") {
  DoneSet a;
  a.reserve(100000);
  for (int i = 0; i < 1000; ++i) a.insert("id-" + std::to_string(i));
  DoneSet b = a;  // a copy is independent
  CHECK(b == a);
  CHECK(b.insert("only-in-b"));
  CHECK_FALSE(a.contains("only-in-b"));
  CHECK(b != a);

  // Equality ignores order.
  DoneSet forward = {"x", "y", "z"};
  DoneSet backward = {"z", "y", "x"};
  CHECK(forward == backward);
  CHECK(forward != DoneSet{"x", "y"});

  DoneSet more = {"id-5", "new-1", "new-2"};
  a.merge(more);
  CHECK(more.empty());
  CHECK(a.size() == 1002);
  CHECK(a.contains("new-2"));

  a.clear();
  CHECK(a.empty());
  CHECK(a.begin() == a.end());
  CHECK_FALSE(a.contains("id-5"));
  CHECK(a.insert("id-5"));
  CHECK(Listed(a) == std::vector<std::string>{"id-5"});
}

TEST_CASE("A batch insert equals one insert at a time, duplicates within the batch included") {
  std::mt19937_64 random(11);
  DoneSet one_by_one;
  DoneSet batched;
  for (int round = 0; round < 50; ++round) {
    std::vector<std::string> ids;
    const size_t n = random() % 3000;  // from empty batches to several growths
    for (size_t i = 0; i < n; ++i) ids.push_back("r" + std::to_string(random() % 20000));
    std::vector<std::string_view> views(ids.begin(), ids.end());
    std::unique_ptr<bool[]> added(new bool[n + 1]);
    batched.InsertBatch(views.data(), n, added.get());
    for (size_t i = 0; i < n; ++i) REQUIRE(added[i] == one_by_one.insert(ids[i]));
  }
  CHECK(batched.size() == one_by_one.size());
  CHECK(Listed(batched) == Listed(one_by_one));
  batched.InsertBatch(nullptr, 0, nullptr);
  CHECK(batched == one_by_one);
}

TEST_CASE("A batch of 64 Ki ids or more, placed region by region, equals one insert at a time") {
  // A journal commit's ids on loading: new ones, ones already in the set,
  // and copies within the batch (the first copy is the one added).
  std::mt19937_64 random(12);
  DoneSet one_by_one;
  DoneSet batched;
  for (size_t size : {65536 + random() % 150000, 65536 + random() % 150000, uint64_t{262154},
                      uint64_t{600000}}) {  // one slice, and several with a small last one
    std::vector<std::string> ids;
    const size_t n = size;
    for (size_t i = 0; i < n; ++i) ids.push_back("p" + std::to_string(random() % 900000));
    std::vector<std::string_view> views(ids.begin(), ids.end());
    std::unique_ptr<bool[]> added(new bool[n]);
    batched.InsertBatch(views.data(), n, added.get());
    for (size_t i = 0; i < n; ++i) REQUIRE(added[i] == one_by_one.insert(ids[i]));
    batched.InsertBatch(views.data(), n, nullptr);  // all there now: nothing added
  }
  CHECK(batched.size() == one_by_one.size());
  CHECK(Listed(batched) == Listed(one_by_one));
  CHECK(batched == one_by_one);
}

#if !defined(__SANITIZE_ADDRESS__)
namespace {

// In a forked child: run_out() under an address-space limit 4 MiB above what
// the child holds (the memory it may hold freed, which the limit misses, is
// made smaller than what run_out() asks for), then check() with the limit
// lifted. The child's exit code: 2 if run_out() did not run out of memory,
// else check()'s (0: passed).
int OutOfMemoryInChild(const std::function<void()>& run_out, const std::function<int()>& check) {
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    long pages = 0;
    std::ifstream("/proc/self/statm") >> pages;
    rlimit limit{static_cast<rlim_t>(pages) * 4096 + (4 << 20), RLIM_INFINITY};
    setrlimit(RLIMIT_AS, &limit);
    try {
      run_out();
      _exit(2);  // the limit did not bite: nothing tested
    } catch (const std::bad_alloc&) {
    }
    limit.rlim_cur = RLIM_INFINITY;  // before anything else allocates
    setrlimit(RLIMIT_AS, &limit);
    _exit(check());
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

}  // namespace

TEST_CASE("A large batch that runs out of memory leaves the set as it was, and can be redone") {
  // The batch's scratch (1.5 MB) fits under the limit, its 200 MB of arena not.
  DoneSet set;
  for (int i = 0; i < 1000; ++i) set.insert("before-" + std::to_string(i));
  std::vector<std::string> ids;
  for (int i = 0; i < 65536; ++i) ids.push_back(std::string(3000, 'x') + std::to_string(i));
  std::vector<std::string_view> views(ids.begin(), ids.end());
  set.reserve(set.size() + ids.size());  // the table: not what runs out
  const DoneSet before = set;
  const std::vector<std::string> listed = Listed(set);
  const int code =
      OutOfMemoryInChild([&] { set.InsertBatch(views.data(), views.size(), nullptr); },
                         [&] {
                           if (!(set == before) || Listed(set) != listed || set.contains(views[0]))
                             return 3;
                           set.InsertBatch(views.data(), views.size(), nullptr);
                           return set.size() == 1000 + ids.size() && set.contains(views.back()) &&
                                          set.contains("before-7")
                                      ? 0
                                      : 4;
                         });
  CHECK(code == 0);  // 2: no failure; 3: the set changed; 4: the redo failed
}

TEST_CASE("A table that cannot grow leaves the set as it was, and it grows once memory is back") {
  // Growing frees the old table before the new one is allocated (the peak
  // is the new table alone): out of memory, the old one must come back.
  DoneSet set;
  for (int i = 0; i < 200000; ++i) set.insert("id-" + std::to_string(i));
  const std::vector<std::string> listed = Listed(set);
  const int code = OutOfMemoryInChild(
      [&] { set.reserve(10000000); },  // a 66 MB table
      [&] {
        if (set.size() != 200000 || Listed(set) != listed) return 3;
        for (int i = 0; i < 200000; ++i) {
          if (!set.contains("id-" + std::to_string(i))) return 3;
        }
        if (set.contains("id-200000") || !set.insert("id-200000")) return 3;
        set.reserve(10000000);
        return set.size() == 200001 && set.contains("id-7") && set.contains("id-200000") ? 0 : 4;
      });
  CHECK(code == 0);  // 2: no failure; 3: the set changed; 4: no growth after
}
#endif

TEST_CASE("A batch lookup agrees with contains, on an empty set too") {
  std::mt19937_64 random(12);
  DoneSet set;
  std::vector<std::string> ids;
  for (int i = 0; i < 5000; ++i) ids.push_back("q" + std::to_string(random() % 8000));
  std::vector<std::string_view> views(ids.begin(), ids.end());
  std::unique_ptr<bool[]> found(new bool[views.size()]);
  set.ContainsBatch(views.data(), views.size(), found.get());
  for (size_t i = 0; i < views.size(); ++i) REQUIRE_FALSE(found[i]);
  for (size_t i = 0; i < views.size(); i += 2) set.insert(views[i]);
  set.ContainsBatch(views.data(), views.size(), found.get());
  for (size_t i = 0; i < views.size(); ++i) REQUIRE(found[i] == set.contains(views[i]));
  CHECK(std::count(found.get(), found.get() + views.size(), true) >= 2500);
}

TEST_CASE("A moved-from done set is empty, and merging a set into itself keeps it") {
  DoneSet a = {"x", "y"};
  DoneSet b = std::move(a);
  CHECK(b.size() == 2);
  // Its chunks and slots went with the move: size() must agree with them
  // (a stale size is what Supervisor::StartCommit leaves in the snapshot
  // job's copy, job->rest.done, and what an encoder would then write).
  CHECK(a.size() == static_cast<size_t>(std::distance(a.begin(), a.end())));
  CHECK(a.empty());
  DoneSet c;
  c = std::move(b);
  CHECK(b.empty());
  CHECK(b.insert("z"));
  CHECK(b.size() == 1);

  // A merge larger than its batches: ids in both sets are kept once.
  DoneSet big;
  DoneSet overflow;
  for (int i = 0; i < 6000; ++i) big.insert("big-" + std::to_string(i));
  for (int i = 3000; i < 13000; ++i) overflow.insert("big-" + std::to_string(i));
  big.merge(overflow);
  CHECK(overflow.empty());
  CHECK(big.size() == 13000);
  CHECK(static_cast<size_t>(std::distance(big.begin(), big.end())) == 13000);
  for (int i = 0; i < 13000; i += 997) CHECK(big.contains("big-" + std::to_string(i)));
  CHECK_FALSE(big.contains("big-13000"));

  // std::unordered_set::merge(itself) leaves it unchanged.
  c.merge(c);
  CHECK(c.size() == 2);
  CHECK(c.contains("x"));
}

TEST_SUITE_END();
