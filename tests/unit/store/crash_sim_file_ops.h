// A FileOps for tests that models what survives a power loss in one directory,
// and can stop ("crash") after any single syscall.
//
// The model is the strict POSIX one: a file's data is durable only once the
// file was fsynced; a directory entry (create, rename, unlink) only once the
// directory was fsynced. Every call goes to the real filesystem too, so the
// directory itself shows what a process crash (kill -9) leaves; CrashImage()
// builds what a power loss at the same moment leaves.
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>

#include "store/checkpoint_test_util.h"
#include "store/file_ops.h"

namespace ckwrap::testing {

class CrashSimFileOps : public FileOps {
 public:
  // Models dir, whose present content is taken as durable. After crash_after
  // calls, every call fails with EIO without touching anything: the process
  // is dead from then on. A negative crash_after never crashes.
  CrashSimFileOps(std::string dir, long crash_after)
      : dir_(std::move(dir)), crash_after_(crash_after) {
    for (const std::string& name : ListNames(dir_)) {
      int id = next_id_++;
      live_[name] = id;
      durable_data_[id] = ReadFileOrEmpty(dir_ + "/" + name);
    }
    durable_entries_ = live_;
  }

  // Calls made (or refused after the crash).
  long calls() const { return calls_; }
  bool crashed() const { return crash_after_ >= 0 && calls_ > crash_after_; }

  // What happens to bytes written but not yet synced when the power goes.
  enum class Unsynced {
    kLost,  // none reached the disk
    kTorn,  // the first half of them did (a torn append)
    kKept,  // all did (the page cache happened to be flushed)
  };

  // Writes into image_dir what a power loss right now would leave: the
  // durable entries with their durable data, plus unsynced bytes as told.
  void CrashImage(const std::string& image_dir, Unsynced unsynced) const {
    for (const auto& [name, id] : durable_entries_) {
      auto durable = durable_data_.find(id);
      std::string bytes = durable != durable_data_.end() ? durable->second : "";
      for (const auto& [live_name, live_id] : live_) {
        if (live_id != id || unsynced == Unsynced::kLost) continue;
        std::string live = ReadFileOrEmpty(dir_ + "/" + live_name);
        if (unsynced == Unsynced::kKept) {
          bytes = live;
        } else if (live.size() > bytes.size() && live.compare(0, bytes.size(), bytes) == 0) {
          bytes = live.substr(0, bytes.size() + (live.size() - bytes.size()) / 2);
        }
      }
      WriteFileForTest(image_dir + "/" + name, bytes);
    }
  }

  int Open(int dir_fd, const char* path, int flags, mode_t mode) override {
    if (Dead()) return -1;
    int fd = FileOps::Open(dir_fd, path, flags, mode);
    if (fd < 0 || (flags & O_DIRECTORY) != 0) {
      if (fd >= 0) dir_fds_[fd] = true;
      return fd;
    }
    std::string name = NameIn(path);
    auto existing = live_.find(name);
    int id;
    if (existing == live_.end()) {
      id = next_id_++;
      live_[name] = id;
    } else {
      id = existing->second;
    }
    fd_ids_[fd] = id;
    dir_fds_[fd] = false;
    return fd;
  }
  ssize_t Write(int fd, const void* buf, size_t count) override {
    if (Dead()) return -1;
    return FileOps::Write(fd, buf, count);
  }
  int Fsync(int fd) override {
    if (Dead()) return -1;
    int rc = FileOps::Fsync(fd);
    if (rc == 0) Synced(fd);
    return rc;
  }
  int Fdatasync(int fd) override {
    if (Dead()) return -1;
    int rc = FileOps::Fdatasync(fd);
    if (rc == 0) Synced(fd);  // data and size: what a reader needs
    return rc;
  }
  int Ftruncate(int fd, off_t length) override {
    if (Dead()) return -1;
    return FileOps::Ftruncate(fd, length);
  }
  int Close(int fd) override {
    if (Dead()) {
      ::close(fd);  // a dead process's fds are closed by the kernel
      return -1;
    }
    fd_ids_.erase(fd);
    dir_fds_.erase(fd);
    return FileOps::Close(fd);
  }
  int Rename(int dir_fd, const char* from, const char* to) override {
    if (Dead()) return -1;
    int rc = FileOps::Rename(dir_fd, from, to);
    if (rc != 0) return rc;
    Moved(from, to);
    return 0;
  }
  int RenameNoReplace(int dir_fd, const char* from, const char* to) override {
    if (Dead()) return -1;
    int rc = FileOps::RenameNoReplace(dir_fd, from, to);
    if (rc != 0) return rc;
    Moved(from, to);
    return 0;
  }
  int Unlink(int dir_fd, const char* path) override {
    if (Dead()) return -1;
    int rc = FileOps::Unlink(dir_fd, path);
    if (rc == 0) live_.erase(NameIn(path));
    return rc;
  }

 private:
  // A rename in the live directory; durable once the directory is synced.
  void Moved(const char* from, const char* to) {
    auto moved = live_.find(NameIn(from));
    if (moved != live_.end()) {
      int id = moved->second;
      live_.erase(moved);
      live_[NameIn(to)] = id;
    }
  }
  void Synced(int fd) {
    auto dir = dir_fds_.find(fd);
    if (dir != dir_fds_.end() && dir->second) {
      durable_entries_ = live_;
    } else {
      // An fd opened before this model existed is found by its current name.
      std::string proc = "/proc/self/fd/" + std::to_string(fd);
      auto known = fd_ids_.find(fd);
      int id = known != fd_ids_.end() ? known->second
                                      : live_[NameIn(std::filesystem::read_symlink(proc).c_str())];
      // Reopened through /proc: the fd itself may be write-only.
      durable_data_[id] = ReadFileOrEmpty(proc);
    }
  }
  bool Dead() {
    ++calls_;
    if (!crashed()) return false;
    errno = EIO;
    return true;
  }
  std::string NameIn(const char* path) const {
    return std::filesystem::path(path).filename().string();
  }

  std::string dir_;
  long crash_after_;
  long calls_ = 0;
  int next_id_ = 1;
  std::map<std::string, int> live_;             // name -> file, as the directory is now
  std::map<std::string, int> durable_entries_;  // name -> file, as of the last dir fsync
  std::map<int, std::string> durable_data_;     // file -> bytes as of its last fsync
  std::map<int, int> fd_ids_;
  std::map<int, bool> dir_fds_;
};

}  // namespace ckwrap::testing
