#include "store/durable_file.h"

#include <doctest/doctest.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "store/checkpoint_test_util.h"
#include "store/file_ops.h"
#include "store/scoped_file_ops.h"

namespace ckwrap {
namespace {

using testing::HasTempFile;
using testing::ReadFileOrEmpty;
using testing::TempDir;
using testing::WriteFileForTest;

// Real syscalls, except that the step named `fail` fails with EIO once.
// Steps: open, write, fsync, close, rename, dir-open, dir-fsync, dir-close.
class FailingOps : public FileOps {
 public:
  explicit FailingOps(std::string fail) : fail_(std::move(fail)) {}

  int Open(int dir_fd, const char* path, int flags, mode_t mode) override {
    bool is_dir = (flags & O_DIRECTORY) != 0;
    if (Fails(is_dir ? "dir-open" : "open")) return -1;
    int fd = FileOps::Open(dir_fd, path, flags, mode);
    if (is_dir) dir_fd_ = fd;
    return fd;
  }
  ssize_t Write(int fd, const void* buf, size_t count) override {
    if (Fails("write")) return -1;
    return FileOps::Write(fd, buf, count);
  }
  int Fsync(int fd) override {
    if (Fails(fd == dir_fd_ ? "dir-fsync" : "fsync")) return -1;
    return FileOps::Fsync(fd);
  }
  int Close(int fd) override {
    bool is_dir = fd == dir_fd_;
    int rc = FileOps::Close(fd);  // the fd is released even when close reports an error
    if (Fails(is_dir ? "dir-close" : "close")) return -1;
    return rc;
  }
  int Rename(int dir_fd, const char* from, const char* to) override {
    if (Fails("rename")) return -1;
    return FileOps::Rename(dir_fd, from, to);
  }
  int RenameNoReplace(int dir_fd, const char* from, const char* to) override {
    if (Fails("rename")) return -1;
    return FileOps::RenameNoReplace(dir_fd, from, to);
  }

 private:
  bool Fails(const char* step) {
    if (fail_ != step) return false;
    errno = EIO;
    return true;
  }
  std::string fail_;
  int dir_fd_ = -1;
};

// Accepts one byte per write, and interrupts every other call with EINTR.
class SlowInterruptedOps : public FileOps {
 public:
  ssize_t Write(int fd, const void* buf, size_t count) override {
    if (++writes % 2 == 1) return Interrupted();
    return FileOps::Write(fd, buf, count > 0 ? 1 : 0);
  }
  int Fsync(int fd) override {
    if (++fsyncs % 2 == 1) return Interrupted();
    return FileOps::Fsync(fd);
  }
  int writes = 0;
  int fsyncs = 0;

 private:
  static int Interrupted() {
    errno = EINTR;
    return -1;
  }
};

TEST_SUITE_BEGIN("store/durable_file");

TEST_CASE("DurableReplace creates the file with the bytes and the mode") {
  TempDir dir;
  std::string bytes("binary\0bytes\xff", 13);
  REQUIRE(DurableReplace(dir.Open(), "target", bytes, 0600).ok());
  CHECK(ReadFileOrEmpty(dir / "target") == bytes);
  struct stat st;
  REQUIRE(::stat((dir / "target").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK_FALSE(HasTempFile(dir.path()));
}

TEST_CASE("DurableReplace replaces an existing file and writes an empty one") {
  TempDir dir;
  WriteFileForTest(dir / "target", "old content");
  REQUIRE(DurableReplace(dir.Open(), "target", "").ok());
  CHECK(ReadFileOrEmpty(dir / "target").empty());
}

TEST_CASE("DurableReplace failing before the rename keeps the old file and leaves no temp file") {
  for (const char* step : {"open", "write", "fsync", "close", "rename"}) {
    CAPTURE(step);
    TempDir dir;
    WriteFileForTest(dir / "target", "old");
    const Directory opened = dir.Open();
    FailingOps ops(step);
    ScopedFileOps scoped(&ops);
    Status status = DurableReplace(opened, "target", "new");
    REQUIRE_FALSE(status.ok());
    CHECK(status.message().find(dir / "target") != std::string::npos);
    CHECK(status.message().find(step) != std::string::npos);
    CHECK(status.message().find("Input/output error") != std::string::npos);
    CHECK(ReadFileOrEmpty(dir / "target") == "old");
    CHECK_FALSE(HasTempFile(dir.path()));
  }
}

TEST_CASE("DurableReplace failing to sync the directory reports it with the new file in place") {
  // The rename has happened and cannot be undone; the error tells the caller
  // the replacement may not survive a crash.
  for (const char* step : {"dir-open", "dir-fsync", "dir-close"}) {
    CAPTURE(step);
    TempDir dir;
    WriteFileForTest(dir / "target", "old");
    const Directory opened = dir.Open();
    FailingOps ops(step);
    ScopedFileOps scoped(&ops);
    Status status = DurableReplace(opened, "target", "new");
    REQUIRE_FALSE(status.ok());
    CHECK(status.message().find(dir / "target") != std::string::npos);
    CHECK(status.message().find("directory " + dir.path()) != std::string::npos);
    CHECK(ReadFileOrEmpty(dir / "target") == "new");
    CHECK_FALSE(HasTempFile(dir.path()));
  }
}

TEST_CASE("DurableReplace completes short writes and retries EINTR") {
  TempDir dir;
  const Directory opened = dir.Open();
  SlowInterruptedOps ops;
  ScopedFileOps scoped(&ops);
  std::string bytes(1000, 'x');
  bytes[999] = 'y';
  REQUIRE(DurableReplace(opened, "target", bytes).ok());
  CHECK(ReadFileOrEmpty(dir / "target") == bytes);
  CHECK(ops.writes == 2000);
  CHECK(ops.fsyncs == 4);  // file and directory, each interrupted once
}

TEST_CASE("DurableReplace into a directory removed since it was opened names the path") {
  TempDir dir;
  REQUIRE(::mkdir((dir / "gone").c_str(), 0700) == 0);
  const Directory opened = dir.Open("gone");
  REQUIRE(::rmdir((dir / "gone").c_str()) == 0);
  Status status = DurableReplace(opened, "target", "x");
  REQUIRE_FALSE(status.ok());
  CHECK(status.message().find(dir / "gone/target") != std::string::npos);
  CHECK(status.message().find("No such file or directory") != std::string::npos);
}

TEST_CASE("DurableReplace replaces a symlink at the name, never writing through it") {
  TempDir dir;
  WriteFileForTest(dir / "victim", "precious");
  REQUIRE(::symlink((dir / "victim").c_str(), (dir / "target").c_str()) == 0);
  REQUIRE(DurableReplace(dir.Open(), "target", "new").ok());
  CHECK(ReadFileOrEmpty(dir / "victim") == "precious");
  struct stat st;
  REQUIRE(::lstat((dir / "target").c_str(), &st) == 0);
  CHECK(S_ISREG(st.st_mode));
}

TEST_CASE("ReadWholeFileAt refuses a symlink and a FIFO, and reads a regular file") {
  TempDir dir;
  WriteFileForTest(dir / "f", "bytes");
  REQUIRE(::symlink((dir / "f").c_str(), (dir / "link").c_str()) == 0);
  REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
  const Directory opened = dir.Open();
  std::string out;
  REQUIRE(ReadWholeFileAt(opened, "f", 100, &out).ok());
  CHECK(out == "bytes");
  Status status = ReadWholeFileAt(opened, "link", 100, &out);
  CHECK(status.message() == "open " + (dir / "link") + ": Too many levels of symbolic links");
  status = ReadWholeFileAt(opened, "fifo", 100, &out);  // must not block
  CHECK(status.message() == "read " + (dir / "fifo") + ": not a regular file");
}

TEST_CASE("A directory is opened only itself, never through a symlink") {
  TempDir dir;
  REQUIRE(::mkdir((dir / "real").c_str(), 0700) == 0);
  REQUIRE(::symlink((dir / "real").c_str(), (dir / "link").c_str()) == 0);
  Directory opened;
  Status status = Directory::Open(dir / "link/", &opened);
  // O_DIRECTORY|O_NOFOLLOW on a symlink: ENOTDIR.
  CHECK(status.message() == "open directory " + (dir / "link/") + ": Not a directory");
  CHECK(Directory::Open(dir / "link", &opened, /*follow_link=*/true).ok());
}

TEST_CASE("ReadWholeFile reads binary bytes") {
  TempDir dir;
  std::string bytes("a\0b\xff", 4);
  WriteFileForTest(dir / "f", bytes);
  std::string out = "stale";
  REQUIRE(ReadWholeFile(dir / "f", 4, &out).ok());
  CHECK(out == bytes);
}

TEST_CASE("ReadWholeFile refuses a file over the bound and names it") {
  TempDir dir;
  WriteFileForTest(dir / "f", "12345");
  std::string out;
  Status status = ReadWholeFile(dir / "f", 4, &out);
  REQUIRE_FALSE(status.ok());
  CHECK(status.message().find(dir / "f") != std::string::npos);
  CHECK(out.empty());
}

TEST_CASE("ReadWholeFile of a missing file names it and the errno text") {
  TempDir dir;
  std::string out;
  Status status = ReadWholeFile(dir / "nope", 100, &out);
  REQUIRE_FALSE(status.ok());
  CHECK(status.message() == "open " + (dir / "nope") + ": No such file or directory");
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
