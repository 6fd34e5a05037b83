#include "intake/record_intake.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/log.h"
#include "intake/output_channel.h"
#include "intake/progress_file_watcher.h"

namespace ckwrap {
namespace {

// After a read that emptied the protocol pipe, records gather this long
// before the next one (see OnProtocolBytes). The pipe is made large enough to
// hold what a fast job writes meanwhile.
constexpr uint64_t kReadCoalesceMs = 2;
constexpr uint64_t kMaxWarnings = 100;  // per ckwrap run; then one notice
// How long after the job's exit an input is still read when a process that
// left the job's process group (a daemon) keeps it open.
constexpr uint64_t kEofAfterExitMs = 1000;

}  // namespace

RecordIntake::RecordIntake(uv_loop_t* loop, IntakeOptions options, Sink* sink)
    : loop_(loop),
      options_(std::move(options)),
      sink_(sink),
      splitter_(
          options_.max_line_bytes,
          [this](uint64_t number, std::string_view line) {
            OnLine("protocol", number, line, true);
          },
          [this](uint64_t number) { ReportOverlong("protocol", number); }) {
  if (!options_.matches.empty()) {
    // Already compiled once by the option parser, so this cannot fail.
    Status compiled = LineMatcher::Compile(options_.matches, &matcher_);
    if (!compiled.ok()) LogError(compiled.message());
  }
  for (uv_timer_t* timer : {&read_coalesce_timer_, &eof_timer_, &slot_poll_timer_}) {
    uv_timer_init(loop_, timer);
    timer->data = this;
  }
}

RecordIntake::~RecordIntake() = default;

void RecordIntake::OnLine(const char* source, uint64_t line_number, std::string_view line,
                          bool is_record) {
  if (!is_record) {
    return matcher_->Match(line, [this, source, line_number](std::string_view record) {
      OnLine(source, line_number, record, true);
    });
  }
  Record record;
  std::string error;
  if (!ParseRecord(line, &record, &error)) return ReportProblem(source, line_number, error);
  if (record.verb == Verb::kSlot) {
    // The C shim's first slot write: read the slot from now on (not before:
    // what the job sent to fd 3 ahead of this record comes first).
    slot_announced_ = true;
    ApplySlot();  // SLOT is a write of its own: this is between two
    if (slot_ && !uv_is_active(reinterpret_cast<uv_handle_t*>(&slot_poll_timer_))) {
      const uint64_t ms = std::max<uint64_t>(1, options_.slot_poll_ms);
      uv_timer_start(
          &slot_poll_timer_,
          [](uv_timer_t* timer) { static_cast<RecordIntake*>(timer->data)->OnSlotPoll(); }, ms, ms);
    }
    return;
  }
  // Acknowledged once durable, with every slot position written before it
  // (even when the read that brought it did not start between two writes).
  if (record.verb == Verb::kSync) ApplySlot();
  error = sink_->OnRecord(record);
  if (!error.empty()) ReportProblem(source, line_number, error);
}

void RecordIntake::ReportProblem(const char* source, uint64_t line_number,
                                 const std::string& what) {
  // Bounded so a job spewing garbage cannot flood the log.
  if (++warnings_ > kMaxWarnings) return;
  LogError(std::string(source) + " line " + std::to_string(line_number) + " (attempt " +
           std::to_string(attempt_) + "): " + what + "; skipped");
  if (warnings_ == kMaxWarnings) LogError("further protocol warnings are not shown");
}

void RecordIntake::ReportOverlong(const char* source, uint64_t line_number) {
  ReportProblem(source, line_number,
                "line longer than " + std::to_string(options_.max_line_bytes) + " bytes");
}

std::unique_ptr<OutputChannel> RecordIntake::MakeChannel(const char* name, int target_fd,
                                                         bool records) {
  OutputFilter::Callbacks callbacks;
  callbacks.record = [this, name](uint64_t number, std::string_view line) {
    OnLine(name, number, line, true);
  };
  if (matcher_) {
    callbacks.text = [this, name](uint64_t number, std::string_view line) {
      OnLine(name, number, line, false);
    };
  }
  callbacks.overlong = [this, name](uint64_t number) { ReportOverlong(name, number); };
  return std::make_unique<OutputChannel>(
      loop_, name, target_fd, records ? options_.protocol_prefix : std::string(),
      options_.max_line_bytes, std::move(callbacks), [this] { sink_->OnRecordsRead(); },
      [this] { sink_->OnInputEnded(); });
}

bool RecordIntake::OpenOutputChannels(bool pipe_stdout, bool pipe_stderr, int* stdout_fd,
                                      int* stderr_fd) {
  std::vector<std::unique_ptr<OutputChannel>> still_closing;
  for (auto& channel : channels_) {
    if (!channel->closed()) still_closing.push_back(std::move(channel));
  }
  channels_.swap(still_closing);
  const struct {
    const char* name;
    int target_fd;
    bool display;
    int* child_fd;
  } streams[] = {{"stdout", STDOUT_FILENO, pipe_stdout, stdout_fd},
                 {"stderr", STDERR_FILENO, pipe_stderr, stderr_fd}};
  for (const auto& stream : streams) {
    *stream.child_fd = -1;
    const bool records = options_.protocol_on == stream.name;
    if (!records && !matcher_ && !stream.display) continue;
    auto channel = MakeChannel(stream.name, stream.target_fd, records);
    channel->SetPaused(paused_);
    if (!channel->Open(stream.child_fd)) {
      LogError(std::string("cannot create the pipe for the job's ") + stream.name + ": " +
               strerror(errno));
      if (*stdout_fd >= 0) close(*stdout_fd);
      *stdout_fd = -1;
      return false;
    }
    channels_.push_back(std::move(channel));
  }
  return true;
}

Status RecordIntake::StartProgressFile(const FileCursor& saved) {
  if (options_.progress_file.empty()) return Status::Ok();  // no --progress-file
  ProgressFileWatcher::Callbacks callbacks;
  // With --match the file is a log whose matching lines count; without, a
  // file of protocol records.
  callbacks.line = [this](uint64_t number, std::string_view line) {
    OnLine("progress file", number, line, matcher_ == nullptr);
    sink_->OnPendingChanged();  // a long read stops once enough waits for a commit
  };
  callbacks.overlong = [this](uint64_t number) { ReportOverlong("progress file", number); };
  callbacks.batch = [this] { sink_->OnProgressFileBatch(watcher_->cursor()); };
  callbacks.caught_up = [this] { sink_->OnInputEnded(); };
  watcher_ = std::make_unique<ProgressFileWatcher>(loop_, options_.progress_file,
                                                   options_.max_line_bytes, std::move(callbacks));
  // A supervised job's fresh start skips what an earlier job left in the
  // file; the sidecar reads the file whole (its job may have started first).
  return watcher_->Start(saved, !options_.watch);
}

void RecordIntake::CheckProgressFile() {
  if (watcher_) watcher_->Check();
}

void RecordIntake::StopProgressFile() {
  if (watcher_) watcher_->Stop();
}

void RecordIntake::StartProtocol(int read_fd, std::unique_ptr<CheckpointSlot> slot) {
  ReleaseSlot();
  slot_ = std::move(slot);
  slot_announced_ = false;
  protocol_pipe_ = new uv_pipe_t;
  uv_pipe_init(loop_, protocol_pipe_, 0);
  uv_pipe_open(protocol_pipe_, read_fd);
  protocol_pipe_->data = this;
  protocol_eof_ = false;
  at_write_boundary_ = true;
  read_window_.Reset();
  read_coalescing_ = false;
  uv_timer_stop(&read_coalesce_timer_);
  uv_timer_stop(&eof_timer_);
  pipe_reading_ = false;
  UpdatePipeReading();
}

void RecordIntake::OnAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  // One buffer suffices: the splitter copies only a partial last line.
  static char buffer[PipeReadWindow::kBufferBytes];
  auto* self = static_cast<RecordIntake*>(handle->data);
  const size_t size = self->read_window_.NextReadSize();
  *buf = uv_buf_init(buffer, static_cast<unsigned>(size));
}

void RecordIntake::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<RecordIntake*>(stream->data);
  if (nread > 0) return self->OnProtocolBytes(buf->base, static_cast<size_t>(nread), buf->len);
  if (nread < 0) self->OnProtocolEof();  // UV_EOF, or an error that ends the stream too
}

// fd 3's descriptor, or -1 (the window's FIONREAD then says nothing).
int RecordIntake::ProtocolFd() const {
  uv_os_fd_t fd = -1;
  return uv_fileno(reinterpret_cast<const uv_handle_t*>(protocol_pipe_), &fd) == 0 ? fd : -1;
}

// The slot's newest position, if the job wrote one since the last: taken
// before the records of the read that follows, since what was read from fd 3
// was written before now. So a CKPT a script writes to fd 3 after its C
// program's last slot write is the one that stays. Callers take it only
// between writes (never inside one a read cut in two: its records are
// committed together).
bool RecordIntake::ApplySlot() {
  uint64_t ticket = 0;
  std::string position;
  if (!slot_ || !slot_announced_ || !slot_->TakeNew(&ticket, &position)) return false;
  OnLine("checkpoint slot", ticket, "CKPT " + position, true);
  return true;
}

void RecordIntake::OnSlotPoll() {
  if (!paused_ && at_write_boundary_ && ApplySlot()) sink_->OnRecordsRead();
  // Closed by the shim: its last position came through fd 3, and so will the rest.
  if (slot_ && slot_->closed()) uv_timer_stop(&slot_poll_timer_);
}

void RecordIntake::ReleaseSlot() {
  uv_timer_stop(&slot_poll_timer_);
  slot_.reset();
}

void RecordIntake::OnProtocolBytes(const char* data, size_t size, size_t asked) {
  if (at_write_boundary_) ApplySlot();
  splitter_.Feed(std::string_view(data, size));
  const PipeReadWindow::ReadEnd end = read_window_.EndRead(ProtocolFd(), size, asked);
  at_write_boundary_ = end.at_write_boundary;
  // While the job streams (this read, which emptied the pipe, came within
  // kReadCoalesceMs of the one before, or of a pause's end), pause before the
  // next read: a job writing a record per item then wakes ckwrap at most 500
  // times a second, not once per record. A pipe write that wakes a sleeping
  // reader costs the writer several microseconds: 8% of a 10k items/s job's
  // time, measured with a plain `cat` reading. A record after a quiet spell
  // (or after a SYNC's acknowledgement) is read at once.
  const uint64_t now = uv_hrtime();
  const bool streaming = now - last_read_ns_ < kReadCoalesceMs * 1000000;
  last_read_ns_ = now;
  if (end.emptied && !read_coalescing_ && streaming) {
    read_coalescing_ = true;
    uv_timer_start(
        &read_coalesce_timer_,
        [](uv_timer_t* timer) {
          auto* self = static_cast<RecordIntake*>(timer->data);
          self->read_coalescing_ = false;
          self->last_read_ns_ = uv_hrtime();  // what came meanwhile is still a stream
          self->UpdatePipeReading();
        },
        kReadCoalesceMs, 0);
  }
  UpdatePipeReading();
  sink_->OnRecordsRead();
}

void RecordIntake::OnProtocolEof() {
  splitter_.Finish();
  protocol_eof_ = true;
  at_write_boundary_ = true;
  ApplySlot();  // the job may write it still (it closed fd 3): over() has its last
  CloseProtocolPipe();
  sink_->OnRecordsRead();
  sink_->OnInputEnded();
}

void RecordIntake::Close() {
  ReleaseSlot();
  if (protocol_pipe_ != nullptr) CloseProtocolPipe();
}

void RecordIntake::CloseProtocolPipe() {
  uv_close(reinterpret_cast<uv_handle_t*>(protocol_pipe_),
           [](uv_handle_t* handle) { delete reinterpret_cast<uv_pipe_t*>(handle); });
  protocol_pipe_ = nullptr;
}

void RecordIntake::SetPaused(bool paused) {
  for (const auto& channel : channels_) channel->SetPaused(paused);
  if (watcher_) watcher_->SetPaused(paused);
  if (paused != paused_) {
    paused_ = paused;
    // An input the job's exit left unread gets a full second of reading
    // before OnEofTimeout decides an outsider holds it.
    if (!paused && uv_is_active(reinterpret_cast<uv_handle_t*>(&eof_timer_))) {
      uv_timer_start(&eof_timer_, eof_timer_.timer_cb, kEofAfterExitMs, 0);
    }
  }
  UpdatePipeReading();
}

void RecordIntake::UpdatePipeReading() {
  if (protocol_pipe_ == nullptr) return;
  const bool read = !paused_ && !read_coalescing_;
  if (read == pipe_reading_) return;
  pipe_reading_ = read;
  auto* stream = reinterpret_cast<uv_stream_t*>(protocol_pipe_);
  if (read) {
    uv_read_start(stream, OnAlloc, OnRead);
  } else {
    uv_read_stop(stream);
  }
}

void RecordIntake::EndReadPause(bool next_read_is_quiet) {
  // The record and SYNC a job writes after an acknowledgement are not a
  // stream to pause on.
  if (next_read_is_quiet) last_read_ns_ = 0;
  if (!read_coalescing_) return;
  uv_timer_stop(&read_coalesce_timer_);
  read_coalescing_ = false;
  UpdatePipeReading();
}

void RecordIntake::OnJobExited() {
  // The rest of the pipe and its EOF now, not after the pause between reads:
  // the relaunch waits on them.
  EndReadPause(false);
  uv_timer_start(
      &eof_timer_,
      [](uv_timer_t* timer) { static_cast<RecordIntake*>(timer->data)->OnEofTimeout(); },
      kEofAfterExitMs, 0);
}

// The job has exited; its pipes should reach EOF at once. One still open is
// held by a process that left the job's group: stop reading it. Never while
// reading is paused for backpressure: the records still in the pipe count.
void RecordIntake::OnEofTimeout() {
  if (paused_) {
    uv_timer_start(&eof_timer_, eof_timer_.timer_cb, kEofAfterExitMs, 0);
    return;
  }
  if (!protocol_eof_) {
    LogError("a process outside the job's process group still holds fd 3; no longer reading it");
    OnProtocolEof();
  }
  for (const auto& channel : channels_) {
    if (!channel->eof()) {
      LogError(std::string("a process outside the job's process group still holds its ") +
               channel->name() + "; no longer reading it");
      channel->ForceEof();
    }
  }
}

bool RecordIntake::over() {
  if (!protocol_eof_) return false;
  for (const auto& channel : channels_) {
    if (!channel->eof()) return false;
  }
  // The job's tree is gone and fd 3 read to its end: the slot's last
  // position was written after every record read. Taken even unannounced: a
  // job that closed fd 3 before its first slot write could not send SLOT.
  slot_announced_ = true;
  ApplySlot();
  ReleaseSlot();
  // What the job wrote to the file before it exited. Reading paused, the rest
  // is read as commits catch up, and caught_up brings the caller back.
  if (watcher_) {
    watcher_->Check();
    if (watcher_->behind()) return false;
  }
  uv_timer_stop(&eof_timer_);  // armed at the exit; must not fire into the next attempt
  return true;
}

}  // namespace ckwrap
