// Small helpers shared by the checkpoint and durable-file tests.
#pragma once

#include <dirent.h>
#include <doctest/doctest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "store/checkpoint_store.h"

namespace ckwrap::testing {

// A fresh directory under /tmp, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/ckwrap-test-XXXXXX";
    path_ = ::mkdtemp(pattern);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  // The directory (or a directory under it) opened as the store opens it.
  Directory Open(const std::string& sub = "") const {
    Directory dir;
    REQUIRE(Directory::Open(sub.empty() ? path_ : *this / sub, &dir).ok());
    return dir;
  }

 private:
  std::string path_;
};

inline std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

inline void WriteFileForTest(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Entry names, sorted, without "." and "..".
inline std::vector<std::string> ListNames(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

inline bool HasTempFile(const std::string& dir) {
  for (const std::string& name : ListNames(dir)) {
    if (name.rfind(".tmp.", 0) == 0) return true;
  }
  return false;
}

// The store in dir, loaded; a failed Load fails the test with its message.
inline LoadedCheckpoint LoadOk(const std::string& dir) {
  CheckpointStore store(dir);
  LoadedCheckpoint loaded;
  Status status = store.Load(&loaded);
  REQUIRE_MESSAGE(status.ok(), status.message());
  return loaded;
}

}  // namespace ckwrap::testing
