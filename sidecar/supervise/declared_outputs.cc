#include "supervise/declared_outputs.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <map>

#include "store/file_ops.h"

namespace ckwrap {
namespace {

// Reads exactly size bytes at offset; a short file is an error.
Status ReadAt(int fd, const std::string& path, uint64_t offset, std::string* out, size_t size) {
  out->assign(size, '\0');
  size_t got = 0;
  while (got < size) {
    ssize_t n = pread(fd, out->data() + got, size - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno("read", path, errno);
    if (n == 0) return Status::Error(path + ": shorter than expected");
    got += static_cast<size_t>(n);
  }
  return Status::Ok();
}

std::string Hex(uint64_t v) {
  char buf[17];
  snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

Status OutputSize(const std::string& path, uint64_t* size) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      *size = 0;
      return Status::Ok();
    }
    return Status::FromErrno("stat", path, errno);
  }
  *size = static_cast<uint64_t>(st.st_size);
  return Status::Ok();
}

Status OutputTailHash(const std::string& path, uint64_t size, uint64_t* hash) {
  if (size == 0) {
    *hash = XXH3_64bits(nullptr, 0);
    return Status::Ok();
  }
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno("open", path, errno);
  uint64_t n = size < kOutputTailBytes ? size : kOutputTailBytes;
  std::string tail;
  Status status = ReadAt(fd, path, size - n, &tail, n);
  close(fd);
  if (status.ok()) *hash = XXH3_64bits(tail.data(), tail.size());
  return status;
}

Status RestoreOutputs(const std::vector<OutputFile>& outputs) {
  for (const OutputFile& f : outputs) {
    uint64_t size = 0;
    Status status = OutputSize(f.path, &size);
    if (!status.ok()) return status;
    if (size < f.size) {
      return Status::Error("declared output " + f.path + " is " + std::to_string(size) +
                           " bytes, shorter than the " + std::to_string(f.size) +
                           " bytes the checkpoint recorded; not touching it (restore the file, "
                           "or ckwrap reset to start over)");
    }
    uint64_t hash = 0;
    status = OutputTailHash(f.path, f.size, &hash);
    if (!status.ok()) return status;
    if (hash != f.tail_hash) {
      return Status::Error("declared output " + f.path + ": its bytes before offset " +
                           std::to_string(f.size) + " are not those the checkpoint recorded " +
                           "(tail hash " + Hex(hash) + ", recorded " + Hex(f.tail_hash) +
                           "); not touching it (ckwrap reset to start over)");
    }
    if (size == f.size) continue;
    // A declared output is the job's file, anywhere: opened by its path.
    int fd = file_ops().Open(AT_FDCWD, f.path.c_str(), O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) return Status::FromErrno("open", f.path, errno);
    if (file_ops().Ftruncate(fd, static_cast<off_t>(f.size)) != 0) {
      status = Status::FromErrno("truncate", f.path, errno);
    } else if (file_ops().Fdatasync(fd) != 0) {
      status = Status::FromErrno("fdatasync", f.path, errno);
    }
    if (file_ops().Close(fd) != 0 && status.ok()) {
      status = Status::FromErrno("close", f.path, errno);
    }
    if (!status.ok()) return status;
  }
  return Status::Ok();
}

Status FingerprintInputs(const std::vector<std::string>& paths, std::vector<InputFile>* out) {
  out->clear();
  for (const std::string& path : paths) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::FromErrno("open input", path, errno);
    struct stat st;
    if (fstat(fd, &st) != 0) {
      int err = errno;
      close(fd);
      return Status::FromErrno("stat", path, err);
    }
    InputFile f;
    f.path = path;
    f.size = static_cast<uint64_t>(st.st_size);
    f.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    XXH3_state_t* state = XXH3_createState();
    XXH3_64bits_reset(state);
    std::string buf(1 << 16, '\0');
    Status status;
    for (;;) {
      ssize_t n = read(fd, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        status = Status::FromErrno("read", path, errno);
        break;
      }
      if (n == 0) break;
      XXH3_64bits_update(state, buf.data(), static_cast<size_t>(n));
    }
    f.hash = XXH3_64bits_digest(state);
    XXH3_freeState(state);
    close(fd);
    if (!status.ok()) return status;
    out->push_back(std::move(f));
  }
  return Status::Ok();
}

std::string DescribeInputChanges(const std::vector<InputFile>& recorded,
                                 const std::vector<InputFile>& current) {
  std::map<std::string, const InputFile*> before;
  for (const InputFile& f : recorded) before[f.path] = &f;
  std::string out;
  for (const InputFile& now : current) {
    auto it = before.find(now.path);
    if (it == before.end()) {
      out += "input " + now.path + ": not an input of the checkpointed run\n";
      continue;
    }
    const InputFile& was = *it->second;
    before.erase(it);
    std::string diff;
    if (was.size != now.size) {
      diff += ", size " + std::to_string(was.size) + " -> " + std::to_string(now.size);
    }
    if (was.mtime_ns != now.mtime_ns) diff += ", modification time changed";
    if (was.hash != now.hash) diff += ", content changed";
    if (!diff.empty()) out += "input " + now.path + ":" + diff.substr(1) + "\n";
  }
  for (const auto& [path, f] : before) {
    out += "input " + path + ": an input of the checkpointed run, not of this one\n";
  }
  return out;
}

}  // namespace ckwrap
