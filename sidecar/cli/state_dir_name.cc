// The default state directory's name: .ckwrap/NAME, where NAME is --name or
// the command's base name plus a hash of the whole command line (options.h).
#include <xxhash.h>

#include <cstdio>
#include <string>
#include <vector>

#include "cli/options.h"

namespace ckwrap {

uint64_t CommandFingerprint(const std::vector<std::string>& command) {
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  for (const auto& arg : command) XXH3_64bits_update(state, arg.c_str(), arg.size() + 1);
  uint64_t hash = XXH3_64bits_digest(state);
  XXH3_freeState(state);
  return hash;
}

std::string ResolveStateDir(const RunOptions& options) {
  if (!options.state_dir.empty()) return options.state_dir;
  if (!options.name.empty()) return ".ckwrap/" + options.name;
  std::string base = options.command[0].substr(options.command[0].rfind('/') + 1);
  std::string safe;
  for (char c : base) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '-' || c == '_';
    safe += plain ? c : '_';
  }
  if (safe.empty() || safe[0] == '.') safe = "job" + safe;
  char hash[17];
  std::snprintf(hash, sizeof(hash), "%016llx",
                static_cast<unsigned long long>(CommandFingerprint(options.command)));
  return ".ckwrap/" + safe.substr(0, 64) + "-" + std::string(hash, 8);
}

}  // namespace ckwrap
