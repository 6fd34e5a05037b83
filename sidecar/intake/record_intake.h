// Everything the job's records come in by, turned into parsed records: fd 3
// (the protocol pipe), the piped stdout/stderr (--protocol-on, --match) and
// the progress file (--progress-file, ckwrap watch). It spaces the reads of
// fd 3 while records stream, says when the records read end with a whole
// write (so a commit never splits one), pauses every input together for backpressure,
// reports bad lines (bounded), and knows when every input of a run ended.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "intake/checkpoint_slot.h"
#include "intake/line_matcher.h"
#include "intake/pipe_read_window.h"
#include "intake/protocol.h"
#include "store/checkpoint.h"

namespace ckwrap {

class OutputChannel;
class ProgressFileWatcher;

struct IntakeOptions {
  size_t max_line_bytes = kDefaultMaxLineBytes;
  std::string protocol_on;      // "stdout", "stderr" or empty
  std::string protocol_prefix;  // of record lines on that stream
  std::vector<MatchRule> matches;
  std::string progress_file;
  bool watch = false;          // ckwrap watch: the file alone, read whole at start
  uint64_t slot_poll_ms = 10;  // how often an announced checkpoint slot is read
};

class RecordIntake {
 public:
  // What the intake tells its owner, on the loop thread.
  class Sink {
   public:
    virtual ~Sink() = default;
    // Returns why the record was refused (reported with its line, like a
    // malformed one), or "" once applied.
    virtual std::string OnRecord(const Record& record) = 0;
    // After a read's records were applied: a commit may start, reading may pause.
    virtual void OnRecordsRead() = 0;
    // More waits in memory (a line of a long read of the progress file): reading may pause.
    virtual void OnPendingChanged() = 0;
    // After a read of the progress file moved its cursor (saved with the
    // records read, so a relaunch neither re-reads nor skips a line).
    virtual void OnProgressFileBatch(const FileCursor& cursor) = 0;
    // An input reached its end, or a paused progress file caught up: the run
    // may be over (see over()).
    virtual void OnInputEnded() = 0;
  };

  RecordIntake(uv_loop_t* loop, IntakeOptions options, Sink* sink);
  ~RecordIntake();
  RecordIntake(const RecordIntake&) = delete;
  RecordIntake& operator=(const RecordIntake&) = delete;

  // For messages about bad lines ("(attempt N)").
  void set_attempt(uint64_t attempt) { attempt_ = attempt; }
  // Pipes the job's stdout/stderr through ckwrap when records or --match
  // lines are to be read from them, or the status line needs it (pipe_*);
  // sets *stdout_fd / *stderr_fd to the write ends for the child, else -1.
  bool OpenOutputChannels(bool pipe_stdout, bool pipe_stderr, int* stdout_fd, int* stderr_fd);
  // Reads fd 3 of a new launch from read_fd (taken over), and its checkpoint
  // slot (null: none) once the job announces it with a SLOT record.
  void StartProtocol(int read_fd, std::unique_ptr<CheckpointSlot> slot);
  // Releases fd 3's pipe if its EOF never came (a run that ends first, as a
  // fenced one does while an outsider holds the pipe). Before the loop closes:
  // its generic close would leave the pipe unfreed.
  void Close();
  // Follows --progress-file from saved (nothing without one).
  Status StartProgressFile(const FileCursor& saved);
  void StopProgressFile();
  // The final read of the progress file (ckwrap watch stopping).
  void CheckProgressFile();

  // Backpressure: stop (true) or restart reading every input.
  void SetPaused(bool paused);
  bool paused() const { return paused_; }
  // Read fd 3 now, not after the pause between reads: the job exited, or it
  // waited for an acknowledgement and writes its next record now.
  void EndReadPause(bool next_read_is_quiet);
  // The job's main process exited: its inputs should end at once. An input
  // still open a second later is held by a process that left the job's
  // process group (a daemon): reading it stops then.
  void OnJobExited();
  // The run's inputs have all ended, the progress file read to its end.
  // Called once the job's whole tree has exited: takes the checkpoint slot's
  // last position.
  bool over();
  // The records read from fd 3 end with a whole write(2): a commit may be cut
  // here without splitting the records the job wrote together.
  bool at_write_boundary() const { return at_write_boundary_; }

 private:
  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  void OnProtocolBytes(const char* data, size_t size, size_t asked);
  int ProtocolFd() const;
  void OnProtocolEof();
  void CloseProtocolPipe();
  void OnLine(const char* source, uint64_t line_number, std::string_view line, bool is_record);
  void ReportProblem(const char* source, uint64_t line_number, const std::string& what);
  void ReportOverlong(const char* source, uint64_t line_number);
  std::unique_ptr<OutputChannel> MakeChannel(const char* name, int target_fd, bool records);
  void UpdatePipeReading();
  void OnEofTimeout();
  bool ApplySlot();
  void OnSlotPoll();
  void ReleaseSlot();

  uv_loop_t* loop_;
  const IntakeOptions options_;
  Sink* sink_;
  LineSplitter splitter_;
  std::unique_ptr<LineMatcher> matcher_;  // null without --match
  uint64_t attempt_ = 0;
  uint64_t warnings_ = 0;

  uv_pipe_t* protocol_pipe_ = nullptr;  // one per run; freed in its close callback
  bool protocol_eof_ = true;
  bool at_write_boundary_ = true;
  PipeReadWindow read_window_;  // where fd 3's reads end with a whole write
  bool paused_ = false;
  bool pipe_reading_ = false;     // uv_read_start is in effect on protocol_pipe_
  bool read_coalescing_ = false;  // a read emptied the pipe: the next one waits a moment
  uint64_t last_read_ns_ = 0;     // uv_hrtime() of the last read of fd 3, or of a pause's end
  uv_timer_t read_coalesce_timer_{};
  uv_timer_t eof_timer_{};  // the job exited but something outside its group holds an input
  std::unique_ptr<CheckpointSlot> slot_;  // this launch's, until fd 3 ends
  bool slot_announced_ = false;           // its SLOT record was read
  uv_timer_t slot_poll_timer_{};          // runs from the job's SLOT record on
  // The child's piped stdout/stderr: this launch's, and earlier ones whose
  // handles are still closing.
  std::vector<std::unique_ptr<OutputChannel>> channels_;
  std::unique_ptr<ProgressFileWatcher> watcher_;
};

}  // namespace ckwrap
