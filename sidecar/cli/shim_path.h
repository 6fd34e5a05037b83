// `ckwrap --shim sh|python|c`: where the shim files are.
#pragma once

#include <string>

#include "base/status.h"

namespace ckwrap {

// True for the languages --shim knows: sh, python, c.
bool IsShimLanguage(const std::string& language);

// The installed shim for language: <prefix>/share/ckwrap/shim/<file> next to
// the running binary (<prefix>/bin/ckwrap, found through /proc/self/exe), or,
// for a binary run from its build directory, the source tree's shim/<file>.
Status FindShim(const std::string& language, std::string* path);

}  // namespace ckwrap
