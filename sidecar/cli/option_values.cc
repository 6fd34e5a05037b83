#include "cli/option_values.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <map>

namespace ckwrap {

bool ParseUnsigned(const std::string& text, uint64_t* value) {
  if (text.empty() || text[0] < '0' || text[0] > '9') return false;
  errno = 0;
  char* end = nullptr;
  unsigned long long parsed = std::strtoull(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return false;
  *value = parsed;
  return true;
}

Status BadValue(const std::string& option, const std::string& value, const std::string& want) {
  return Status::Error("invalid value '" + value + "' for " + option + ": expected " + want);
}

bool ParseSignal(const std::string& text, int* signum) {
  static const std::map<std::string, int> kNames = {
      {"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"TERM", SIGTERM},
      {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"ALRM", SIGALRM}, {"WINCH", SIGWINCH},
      {"CONT", SIGCONT}, {"PWR", SIGPWR},   {"XCPU", SIGXCPU}};
  std::string name = text.rfind("SIG", 0) == 0 ? text.substr(3) : text;
  auto found = kNames.find(name);
  uint64_t number = 0;
  if (found != kNames.end()) {
    *signum = found->second;
  } else if (ParseUnsigned(name, &number) && number >= 1 && number < NSIG && number != SIGKILL &&
             number != SIGSTOP) {
    *signum = static_cast<int>(number);
  } else {
    return false;
  }
  return true;
}

bool ParseDurationMs(const std::string& text, uint64_t* ms) {
  static const std::map<std::string, uint64_t> kUnits = {
      {"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  uint64_t number = 0;
  auto unit = kUnits.find(text.substr(digits));
  if (digits == 0 || digits > 12 || unit == kUnits.end() ||
      !ParseUnsigned(text.substr(0, digits), &number)) {
    return false;
  }
  *ms = number * unit->second;
  return true;
}

}  // namespace ckwrap
