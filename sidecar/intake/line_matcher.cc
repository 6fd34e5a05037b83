#include "intake/line_matcher.h"

namespace ckwrap {
namespace {

constexpr size_t kGroups = 3;  // the whole match, group 1, group 2

std::string_view Group(std::string_view line, const regmatch_t& m) {
  if (m.rm_so < 0 || m.rm_eo < m.rm_so) return {};
  return line.substr(static_cast<size_t>(m.rm_so), static_cast<size_t>(m.rm_eo - m.rm_so));
}

}  // namespace

Status LineMatcher::Compile(const std::vector<MatchRule>& rules,
                            std::unique_ptr<LineMatcher>* out) {
  std::unique_ptr<LineMatcher> matcher(new LineMatcher);
  for (const MatchRule& rule : rules) {
    Compiled compiled{rule.verb, {}};
    int rc = regcomp(&compiled.regex, rule.pattern.c_str(), REG_EXTENDED);
    if (rc != 0) {
      char reason[256];
      regerror(rc, &compiled.regex, reason, sizeof(reason));
      return Status::Error("invalid regular expression '" + rule.pattern + "' for " + rule.option +
                           ": " + reason);
    }
    if (compiled.regex.re_nsub < 1) {
      regfree(&compiled.regex);
      return Status::Error("regular expression '" + rule.pattern + "' for " + rule.option +
                           " has no capture group: put the value in (...)");
    }
    matcher->rules_.push_back(compiled);
  }
  *out = std::move(matcher);
  return Status::Ok();
}

LineMatcher::~LineMatcher() {
  for (Compiled& rule : rules_) regfree(&rule.regex);
}

void LineMatcher::Match(std::string_view line,
                        const std::function<void(std::string_view record)>& emit) {
  for (Compiled& rule : rules_) {
    regmatch_t groups[kGroups];
    for (regmatch_t& g : groups) g.rm_so = g.rm_eo = -1;
    // REG_STARTEND: the line is not NUL-terminated and may contain NULs.
    groups[0].rm_so = 0;
    groups[0].rm_eo = static_cast<regoff_t>(line.size());
    const char* text = line.data() != nullptr ? line.data() : "";
    if (regexec(&rule.regex, text, kGroups, groups, REG_STARTEND) != 0) continue;
    std::string_view value = Group(line, groups[1]);
    if (value.empty()) continue;
    switch (rule.verb) {
      case MatchVerb::kCkpt:
        record_ = "CKPT ";
        break;
      case MatchVerb::kDone:
        record_ = "DONE ";
        break;
      case MatchVerb::kProgress:
        record_ = "PROGRESS ";
        break;
    }
    record_.append(value);
    std::string_view total = Group(line, groups[2]);
    if (rule.verb == MatchVerb::kProgress && rule.regex.re_nsub >= 2 && !total.empty()) {
      record_ += ' ';
      record_.append(total);
    }
    emit(record_);
  }
}

}  // namespace ckwrap
