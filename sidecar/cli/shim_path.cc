#include "cli/shim_path.h"

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ckwrap {
namespace {

const char* ShimFile(const std::string& language) {
  if (language == "sh") return "ckwrap.sh";
  if (language == "python") return "ckwrap.py";
  if (language == "c") return "ckwrap.h";
  return nullptr;
}

bool IsRegularFile(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string ExecutableDir() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "";
  std::string exe(buf, static_cast<size_t>(n));
  return exe.substr(0, exe.rfind('/'));
}

}  // namespace

bool IsShimLanguage(const std::string& language) { return ShimFile(language) != nullptr; }

Status FindShim(const std::string& language, std::string* path) {
  const char* file = ShimFile(language);
  if (file == nullptr) return Status::Error("unknown shim '" + language + "' (sh, python or c)");
  std::string installed = ExecutableDir() + "/../share/ckwrap/shim/" + file;
  std::string source = std::string(CKWRAP_SOURCE_DIR) + "/shim/" + file;
  for (const std::string& candidate : {installed, source}) {
    char resolved[PATH_MAX];
    if (IsRegularFile(candidate) && realpath(candidate.c_str(), resolved) != nullptr) {
      *path = resolved;
      return Status::Ok();
    }
  }
  return Status::Error("shim " + std::string(file) + " not found in " + installed + " or " +
                       source);
}

}  // namespace ckwrap
