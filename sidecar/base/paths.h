// Path helpers shared by the layers.
#pragma once

#include <string>

namespace ckwrap {

// path made absolute against the current directory (unchanged if it already
// is, or if the current directory cannot be read).
std::string AbsolutePath(const std::string& path);

// path names a directory (following symlinks, as a reader does).
bool IsDirectory(const std::string& path);

}  // namespace ckwrap
