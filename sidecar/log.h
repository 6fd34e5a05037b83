// ckwrap's own messages on stderr, each prefixed "ckwrap: ".
#pragma once

#include <string>

namespace ckwrap {

void SetQuiet(bool quiet);
// Progress notes (relaunches, fallbacks): silenced by --quiet.
void LogInfo(const std::string& message);
// Warnings and errors: always shown.
void LogError(const std::string& message);

}  // namespace ckwrap
