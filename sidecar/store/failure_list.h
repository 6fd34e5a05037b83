// The FAIL list: one entry per id, in the order ids first failed, each with
// how many FAIL records named it and the last reason. A job that fails the
// same item on every run keeps one entry, and a repeated FAIL is not new (so
// not progress: supervise/job_state.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ckwrap {

struct Failure {
  std::string id;
  std::string reason;  // of the last FAIL record for id; may be empty
  uint64_t count = 1;  // FAIL records for id
  bool operator==(const Failure& o) const {
    return id == o.id && reason == o.reason && count == o.count;
  }
};

class FailureList {
 public:
  using const_iterator = std::vector<Failure>::const_iterator;

  FailureList() = default;
  // Each entry as Set() takes it.
  FailureList(std::initializer_list<Failure> entries) {
    for (const Failure& f : entries) Set(f.id, f.reason, f.count);
  }

  // One more FAIL record for id: true if id had not failed before.
  bool Record(std::string_view id, std::string_view reason);
  // id's entry as a snapshot or a journal FAIL_COUNT record holds it (the
  // count itself, not one more).
  void Set(std::string_view id, std::string_view reason, uint64_t count);
  // id's entry, or null.
  const Failure* Find(std::string_view id) const;

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  void reserve(size_t n);
  const_iterator begin() const { return entries_.begin(); }
  const_iterator end() const { return entries_.end(); }
  bool operator==(const FailureList& o) const { return entries_ == o.entries_; }

 private:
  Failure* Entry(std::string_view id, bool* added);

  std::vector<Failure> entries_;
  std::unordered_map<std::string, size_t> index_;  // id -> place in entries_
};

}  // namespace ckwrap
