#include "store/failure_list.h"

namespace ckwrap {

Failure* FailureList::Entry(std::string_view id, bool* added) {
  auto [it, inserted] = index_.try_emplace(std::string(id), entries_.size());
  *added = inserted;
  if (inserted) {
    entries_.push_back(Failure{std::string(id), std::string(), 0});
  }
  return &entries_[it->second];
}

bool FailureList::Record(std::string_view id, std::string_view reason) {
  bool added = false;
  Failure* f = Entry(id, &added);
  f->reason.assign(reason);
  f->count++;
  return added;
}

void FailureList::Set(std::string_view id, std::string_view reason, uint64_t count) {
  bool added = false;
  Failure* f = Entry(id, &added);
  f->reason.assign(reason);
  f->count = count;
}

const Failure* FailureList::Find(std::string_view id) const {
  auto it = index_.find(std::string(id));
  return it == index_.end() ? nullptr : &entries_[it->second];
}

void FailureList::reserve(size_t n) {
  entries_.reserve(n);
  index_.reserve(n);
}

}  // namespace ckwrap
