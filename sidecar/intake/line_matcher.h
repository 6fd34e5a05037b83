// --match: turns lines of unmodified legacy output into protocol records with
// POSIX extended regular expressions (regcomp/regexec: linear stack use and no
// recursion on long lines, unlike std::regex, and faster in libstdc++).
#pragma once

#include <regex.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace ckwrap {

enum class MatchVerb { kCkpt, kDone, kProgress };

struct MatchRule {
  MatchVerb verb = MatchVerb::kCkpt;
  std::string pattern;  // POSIX ERE with at least one capture group
  std::string option;   // the option that gave it, for messages
};

class LineMatcher {
 public:
  // Fails (naming the option, the pattern and regerror's reason) on a bad
  // pattern or one without a capture group.
  static Status Compile(const std::vector<MatchRule>& rules, std::unique_ptr<LineMatcher>* out);
  ~LineMatcher();
  LineMatcher(const LineMatcher&) = delete;
  LineMatcher& operator=(const LineMatcher&) = delete;

  // For each rule whose pattern matches, in order, the record it makes:
  // "CKPT <group 1>", "DONE <group 1>" or "PROGRESS <group 1>[ <group 2>]".
  // A rule whose group 1 is empty or did not take part makes nothing.
  void Match(std::string_view line, const std::function<void(std::string_view record)>& emit);

 private:
  LineMatcher() = default;
  struct Compiled {
    MatchVerb verb;
    regex_t regex;
  };
  std::vector<Compiled> rules_;
  std::string record_;  // reused for each record built
};

}  // namespace ckwrap
