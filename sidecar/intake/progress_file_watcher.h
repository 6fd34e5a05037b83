// --progress-file: follows a file the job appends protocol lines to, without
// FUSE. libuv fs_event on the parent directory, filtered by name (a watch on
// the file's own inode stays with the old file when it is renamed away, so
// lines written to the new file at the path would go unseen), plus a slow
// timer as a safety net for events that never come (NFS, a missing
// directory). Every wake-up reads to EOF from the saved offset, so coalesced
// events lose nothing; paused (backpressure), reading stops and goes on at
// the resume.
//
// Rotation: truncation (copytruncate) restarts at offset 0; a new file at the
// path (rename-and-recreate, atomic replace, delete and re-create) is switched
// to only after the old inode, still open, has been read to its end.
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/checkpoint.h"

namespace ckwrap {

class ProgressFileWatcher {
 public:
  struct Callbacks {
    // A complete line ('\n' seen; '\r' removed), numbered from where reading began.
    std::function<void(uint64_t line_number, std::string_view line)> line;
    // A line longer than the limit: skipped up to its '\n'.
    std::function<void(uint64_t line_number)> overlong;
    // After a read that moved the cursor: the caller saves cursor().
    std::function<void()> batch;
    // A wake-up from the loop (an event, the safety net, the resume) read
    // everything a pause had left unread: behind() turned false.
    std::function<void()> caught_up;
  };

  ProgressFileWatcher(uv_loop_t* loop, std::string path, size_t max_line_bytes,
                      Callbacks callbacks);
  ~ProgressFileWatcher();
  ProgressFileWatcher(const ProgressFileWatcher&) = delete;
  ProgressFileWatcher& operator=(const ProgressFileWatcher&) = delete;

  // Resumes after `saved` when the file at the path is still the one it
  // describes (same device, inode, and first bytes; not shorter), else reads
  // the file from its start; without a saved cursor, from its start too, or
  // (skip_existing) from its current end. Starts watching and reads.
  Status Start(const FileCursor& saved, bool skip_existing);
  // Reads everything now (an event, the safety net, or a final drain).
  void Check();
  // Stops watching (the handles close in the loop).
  void Stop();
  // Backpressure: while paused nothing more is read (a read under way stops
  // after its current 64 KiB, at a line boundary for the cursor); resuming
  // reads on from the loop, not from inside the caller.
  void SetPaused(bool paused);
  // A pause left lines unread (or a wake-up unanswered): Check() has not
  // read the file to its end.
  bool behind() const { return behind_; }

  // The file's identity and the offset just past the last complete line
  // handed out: where a relaunch continues.
  const FileCursor& cursor() const { return cursor_; }

 private:
  static void OnFsEvent(uv_fs_event_t* handle, const char* filename, int events, int status);
  static void OnTimer(uv_timer_t* timer);
  void Wake();
  void StartEvents();
  bool OpenAtPath(const FileCursor* resume, bool skip_existing);
  void Drain();
  void Feed(const char* data, size_t size);
  void EndOfInode();
  void CloseFile();
  uint64_t HeadHash(uint64_t offset) const;

  uv_loop_t* loop_;
  const std::string path_;
  std::string dir_;
  std::string name_;
  const size_t max_line_bytes_;
  Callbacks callbacks_;
  uv_fs_event_t event_{};
  uv_timer_t poll_timer_{};
  bool event_started_ = false;
  bool started_ = false;
  bool paused_ = false;
  bool behind_ = false;

  int fd_ = -1;
  uint64_t read_offset_ = 0;  // bytes of the current inode read so far
  FileCursor cursor_;         // offset: end of the last complete line
  std::string partial_;       // an unfinished line, at most max + 1 bytes
  bool discarding_ = false;   // inside an overlong line
  uint64_t line_number_ = 0;
  bool warned_missing_dir_ = false;
};

}  // namespace ckwrap
