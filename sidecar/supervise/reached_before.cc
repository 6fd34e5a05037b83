#include "supervise/reached_before.h"

#include <xxhash.h>

#include <cstdint>
#include <cstring>

namespace ckwrap {
namespace {

std::string_view WithoutLeadingZeros(std::string_view digits) {
  size_t first = digits.find_first_not_of('0');
  return first == std::string_view::npos ? std::string_view() : digits.substr(first);
}

// The 8 bytes remembered for a value: its XXH3-64 (seeded by its kind).
std::string HashKey(std::string_view bytes, uint64_t seed) {
  const uint64_t hash = XXH3_64bits_withSeed(bytes.data(), bytes.size(), seed);
  std::string key(sizeof hash, '\0');
  std::memcpy(key.data(), &hash, sizeof hash);
  return key;
}

// Adds key unless the set is full; true if key was not there.
bool Remember(DoneSet* set, const std::string& key) {
  if (set->size() >= ReachedBefore::kMaxRemembered) return !set->contains(key);
  return set->insert(key);
}

}  // namespace

bool IsNumericPosition(std::string_view position) {
  return !position.empty() && position.find_first_not_of("0123456789") == std::string_view::npos;
}

bool NumericallyBefore(std::string_view a, std::string_view b) {
  if (!IsNumericPosition(a) || !IsNumericPosition(b)) return false;
  a = WithoutLeadingZeros(a);
  b = WithoutLeadingZeros(b);
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

ReachedBefore::ReachedBefore(const Checkpoint& start) {
  if (start.has_position) ReachPosition(start.position);
  for (const auto& [key, value] : start.state) ReachState(key, value);
}

bool ReachedBefore::ReachPosition(std::string_view position) {
  if (!IsNumericPosition(position)) return Remember(&positions_, HashKey(position, 0));
  if (has_high_water_ && !NumericallyBefore(high_water_, position)) return false;
  has_high_water_ = true;
  high_water_.assign(position);
  return true;
}

bool ReachedBefore::ReachState(std::string_view key, std::string_view value) {
  // The key (no spaces, no NUL: ckwrap-protocol(7)) seeds the value's hash.
  const uint64_t seed = XXH3_64bits(key.data(), key.size());
  return Remember(&states_, HashKey(value, seed));
}

bool ReachedBefore::Behind(std::string_view first, std::string_view resumed_at) const {
  if (first == resumed_at) return false;
  if (IsNumericPosition(first)) return NumericallyBefore(first, resumed_at);
  return !IsNumericPosition(resumed_at) && positions_.contains(HashKey(first, 0));
}

}  // namespace ckwrap
