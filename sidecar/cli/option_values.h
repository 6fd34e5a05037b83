// The value grammars ckwrap's options share (cli/options.cc): whole numbers,
// durations, signal names, and the message for a value that is not one.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace ckwrap {

// A decimal whole number, digits only (no sign, no space).
bool ParseUnsigned(const std::string& text, uint64_t* value);

// Parses a duration: a number with ms, s, m or h (a bare number is seconds).
bool ParseDurationMs(const std::string& text, uint64_t* ms);

// A signal by name (USR1 or SIGUSR1, among those ckwrap forwards) or number;
// never KILL or STOP, which cannot be caught.
bool ParseSignal(const std::string& text, int* signum);

// "invalid value 'VALUE' for OPTION: expected WANT".
Status BadValue(const std::string& option, const std::string& value, const std::string& want);

}  // namespace ckwrap
