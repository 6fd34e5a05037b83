#include "intake/progress_file_watcher.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "base/log.h"

namespace ckwrap {
namespace {

constexpr uint64_t kSafetyNetMs = 1000;  // fs_event does the real work
constexpr size_t kReadBytes = 64 * 1024;
constexpr uint64_t kHeadBytes = 4096;

}  // namespace

ProgressFileWatcher::ProgressFileWatcher(uv_loop_t* loop, std::string path, size_t max_line_bytes,
                                         Callbacks callbacks)
    : loop_(loop),
      path_(std::move(path)),
      max_line_bytes_(max_line_bytes),
      callbacks_(std::move(callbacks)) {
  const size_t slash = path_.rfind('/');
  dir_ = slash == std::string::npos ? "." : (slash == 0 ? "/" : path_.substr(0, slash));
  name_ = slash == std::string::npos ? path_ : path_.substr(slash + 1);
}

ProgressFileWatcher::~ProgressFileWatcher() { CloseFile(); }

Status ProgressFileWatcher::Start(const FileCursor& saved, bool skip_existing) {
  uv_fs_event_init(loop_, &event_);
  uv_timer_init(loop_, &poll_timer_);
  event_.data = poll_timer_.data = this;
  started_ = true;
  StartEvents();
  uv_timer_start(&poll_timer_, OnTimer, kSafetyNetMs, kSafetyNetMs);
  if (!OpenAtPath(saved.valid() ? &saved : nullptr, skip_existing && !saved.valid()) &&
      errno != ENOENT) {
    return Status::FromErrno("cannot open progress file", path_, errno);
  }
  Drain();
  return Status::Ok();
}

// Watching the directory sees the name come and go whatever inode it has. A
// directory that does not exist yet is retried from the safety-net timer.
void ProgressFileWatcher::StartEvents() {
  if (event_started_ || !started_) return;
  int rc = uv_fs_event_start(&event_, OnFsEvent, dir_.c_str(), 0);
  event_started_ = rc == 0;
  if (event_started_ && warned_missing_dir_) {
    LogInfo("watching directory " + dir_ + " of the progress file now");
  } else if (!event_started_ && !warned_missing_dir_) {
    warned_missing_dir_ = true;
    LogError("cannot watch directory " + dir_ + " of the progress file: " + uv_strerror(rc) +
             "; checking every " + std::to_string(kSafetyNetMs) + " ms until it can");
  }
}

void ProgressFileWatcher::Stop() {
  if (!started_) return;
  started_ = false;
  uv_close(reinterpret_cast<uv_handle_t*>(&event_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&poll_timer_), nullptr);
}

void ProgressFileWatcher::SetPaused(bool paused) {
  if (paused == paused_) return;
  paused_ = paused;
  if (!paused_ && behind_ && started_) uv_timer_start(&poll_timer_, OnTimer, 0, kSafetyNetMs);
}

void ProgressFileWatcher::OnFsEvent(uv_fs_event_t* handle, const char* filename, int, int) {
  auto* self = static_cast<ProgressFileWatcher*>(handle->data);
  // A null name means the kernel could not say which entry: check anyway.
  if (filename == nullptr || self->name_ == filename) self->Wake();
}

void ProgressFileWatcher::OnTimer(uv_timer_t* timer) {
  static_cast<ProgressFileWatcher*>(timer->data)->Wake();
}

// Check() from the loop: says when it read what a pause had left unread.
void ProgressFileWatcher::Wake() {
  const bool was_behind = behind_;
  Check();
  if (was_behind && !behind_ && callbacks_.caught_up) callbacks_.caught_up();
}

void ProgressFileWatcher::Check() {
  StartEvents();
  // Paused, even a rotation waits: the old inode must be read to its end first.
  behind_ = paused_;
  if (behind_) return;
  if (fd_ >= 0) {
    struct stat st {};
    const bool shorter = fstat(fd_, &st) == 0 && static_cast<uint64_t>(st.st_size) < read_offset_;
    // Shorter, or rewritten in place past where we were before we looked.
    if (shorter || (cursor_.offset > 0 && HeadHash(cursor_.offset) != cursor_.head_hash)) {
      // copytruncate: the writer goes on at the new end, so does the reader.
      LogInfo("progress file " + path_ + " was truncated; reading it from its start");
      read_offset_ = 0;
      cursor_.offset = 0;
      partial_.clear();
      discarding_ = false;
      if (callbacks_.batch) callbacks_.batch();
    }
    Drain();
    if (behind_) return;
  }
  struct stat at_path {};
  if (stat(path_.c_str(), &at_path) != 0) return;  // gone: the open inode may still grow
  if (fd_ >= 0 && static_cast<uint64_t>(at_path.st_dev) == cursor_.dev &&
      static_cast<uint64_t>(at_path.st_ino) == cursor_.ino) {
    return;
  }
  // A new empty file (logrotate's create) while the old one is open: the
  // writer may still append to the old inode until it reopens, so switch
  // only once the new file has data.
  if (fd_ >= 0 && at_path.st_size == 0) return;
  if (fd_ >= 0) {
    Drain();  // the old inode first: its last lines come before the new file's
    if (behind_) return;
    EndOfInode();
    CloseFile();
    LogInfo("progress file " + path_ + " was replaced; following the new file");
  }
  if (OpenAtPath(nullptr, false)) Drain();
}

// Opens the file at the path. With `resume`, continues at its offset when the
// file is still the one it describes.
bool ProgressFileWatcher::OpenAtPath(const FileCursor* resume, bool skip_existing) {
  int fd = open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return false;
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    errno = err;
    return false;
  }
  fd_ = fd;
  cursor_ = FileCursor{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino), 0, 0};
  read_offset_ = 0;
  partial_.clear();
  discarding_ = false;
  if (resume != nullptr) {
    if (resume->dev == cursor_.dev && resume->ino == cursor_.ino &&
        resume->offset <= static_cast<uint64_t>(st.st_size) &&
        HeadHash(resume->offset) == resume->head_hash) {
      cursor_.offset = read_offset_ = resume->offset;
    } else {
      LogInfo("progress file " + path_ +
              " is not the file the checkpoint read; reading it from its start");
    }
  }
  if (skip_existing && st.st_size > 0) {
    // Lines already there belong to an earlier job: start after them, and
    // drop the rest of an unfinished last line rather than misread its tail.
    cursor_.offset = read_offset_ = static_cast<uint64_t>(st.st_size);
    char last = '\n';
    discarding_ = pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n';
  }
  cursor_.head_hash = HeadHash(cursor_.offset);
  if (callbacks_.batch) callbacks_.batch();
  return true;
}

void ProgressFileWatcher::Drain() {
  if (fd_ < 0) return;
  static char buffer[kReadBytes];
  const uint64_t before = cursor_.offset;
  for (;;) {
    // Paused by a line just applied: the rest waits, and the cursor (past the
    // last complete line) is what the batch below saves.
    if (paused_) {
      behind_ = true;
      break;
    }
    ssize_t n = pread(fd_, buffer, sizeof(buffer), static_cast<off_t>(read_offset_));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    Feed(buffer, static_cast<size_t>(n));
  }
  if (cursor_.offset != before) {
    if (before < kHeadBytes) cursor_.head_hash = HeadHash(cursor_.offset);
    if (callbacks_.batch) callbacks_.batch();
  }
}

// Splits into lines; the cursor moves past a line only once its '\n' is read,
// so a relaunch re-reads an unfinished line whole.
void ProgressFileWatcher::Feed(const char* data, size_t size) {
  const char* p = data;
  const char* const end = data + size;
  while (p < end) {
    const auto* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
    if (nl == nullptr) {
      if (!discarding_ && partial_.size() + (end - p) > max_line_bytes_ + 1) {
        partial_.clear();
        discarding_ = true;
        if (callbacks_.overlong) callbacks_.overlong(line_number_ + 1);
      }
      if (!discarding_) partial_.append(p, end - p);
      break;
    }
    const uint64_t line_end = read_offset_ + (nl - data) + 1;
    ++line_number_;
    if (discarding_) {
      discarding_ = false;
    } else {
      std::string_view line(p, nl - p);
      if (!partial_.empty()) {
        partial_.append(line);
        line = partial_;
      }
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.size() > max_line_bytes_) {
        if (callbacks_.overlong) callbacks_.overlong(line_number_);
      } else {
        callbacks_.line(line_number_, line);
      }
      partial_.clear();
    }
    cursor_.offset = line_end;
    p = nl + 1;
  }
  read_offset_ += size;
}

// The old inode will not be read again: its unterminated last line, if any,
// is the writer's final word there and counts (as at the end of a pipe).
void ProgressFileWatcher::EndOfInode() {
  if (discarding_ || partial_.empty()) return;
  std::string_view line = partial_;
  if (line.back() == '\r') line.remove_suffix(1);
  ++line_number_;
  callbacks_.line(line_number_, line);
  partial_.clear();
}

void ProgressFileWatcher::CloseFile() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

uint64_t ProgressFileWatcher::HeadHash(uint64_t offset) const {
  char head[kHeadBytes];
  const size_t want = static_cast<size_t>(std::min(offset, kHeadBytes));
  size_t got = 0;
  while (got < want) {
    ssize_t n = pread(fd_, head + got, want - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  return XXH3_64bits(head, got);
}

}  // namespace ckwrap
