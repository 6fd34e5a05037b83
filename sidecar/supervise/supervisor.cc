#include "supervise/supervisor.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "base/log.h"
#include "intake/output_channel.h"
#include "intake/progress_file_watcher.h"
#include "store/checkpoint_codec.h"
#include "store/checkpoint_json.h"
#include "store/journal_writer.h"
#include "supervise/child_process.h"
#include "supervise/declared_outputs.h"
#include "supervise/descendants.h"
#include "supervise/resume_files.h"
#include "supervise/status_line.h"

namespace ckwrap {
namespace {

constexpr size_t kReadBufferBytes = 64 * 1024;
// After a read that drained the protocol pipe, records gather this long
// before the next one (see OnProtocolBytes). The pipe is made large enough to
// hold what a fast job writes meanwhile.
constexpr uint64_t kReadCoalesceMs = 2;
// 256 KiB holds 2 ms of writes at over 100 MB/s; 64 ckwraps at once then use
// a quarter of the pipe memory an unprivileged user gets (fs.pipe-user-pages-soft).
constexpr int kProtocolPipeBytes = 256 << 10;
constexpr uint64_t kMaxProtocolWarnings = 100;  // per ckwrap run; then one notice
constexpr uint64_t kCommitRetryMs = 1000;
// Failed commits retried once the job is gone before ckwrap gives up (125).
constexpr int kEndingCommitAttempts = 5;
// Reading stops while this much journal data waits for a commit (a flood
// faster than the disk): the pipe then holds the job back, memory stays bounded.
constexpr size_t kMaxPendingJournalBytes = 16 << 20;
// A journal longer than max(this, the snapshot) is compacted into a new snapshot.
constexpr uint64_t kCompactMinJournalBytes = 8 << 20;
// How long after the job's exit ckwrap still reads fd 3 when a process that
// left the job's process group (a daemon) keeps it open.
constexpr uint64_t kEofAfterExitMs = 1000;

int64_t NowUnixMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string AbsolutePath(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof(cwd)) == nullptr) return path;
  return std::string(cwd) + "/" + path;
}

int ExitCodeOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 125;
}

std::string DescribeExit(int wait_status) {
  if (WIFSIGNALED(wait_status)) {
    return std::string("killed by signal ") + std::to_string(WTERMSIG(wait_status)) + " (" +
           strsignal(WTERMSIG(wait_status)) + ")";
  }
  return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
}

// The child's argv for this launch: the command, plus the position on a resume.
std::vector<std::string> ChildArgv(const RunOptions& options, const Checkpoint& checkpoint) {
  std::vector<std::string> argv;
  bool templated = false;
  for (const auto& arg : options.command) {
    size_t slot = arg.find("{}");
    if (slot == std::string::npos || &arg == &options.command[0]) {
      argv.push_back(arg);
      continue;
    }
    templated = true;
    // A fresh start drops the templated argument: there is no position to place.
    if (checkpoint.has_position) {
      argv.push_back(arg.substr(0, slot) + checkpoint.position + arg.substr(slot + 2));
    }
  }
  if (checkpoint.has_position && !templated && !options.resume_env_only) {
    argv.push_back(options.resume_flag);
    argv.push_back(checkpoint.position);
  }
  return argv;
}

struct CommitJob {
  uv_work_t request{};
  CheckpointStore* store = nullptr;
  std::string bytes;
  uint64_t records = 0;   // records the commit covers
  bool snapshot = false;  // write a whole checkpoint, else bytes holds journal records
  // For a snapshot: everything but the done ids, copied; the done ids are read
  // in place on the worker thread, the loop not changing them meanwhile.
  Checkpoint rest;
  const DoneSet* done_ids = nullptr;
  bool sync = true;
  Status status;
  std::function<void(const Status&, uint64_t, bool)> done;
};

// The terminal ckwrap may hand to its job: stdin, if ckwrap's process group
// is the terminal's foreground group (not when run in the background or
// without a terminal).
int ForegroundTerminal() {
  return isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp() ? STDIN_FILENO : -1;
}

std::string Quoted(const std::string& text) { return JsonString(text); }

}  // namespace

Supervisor::Supervisor(const RunOptions& options, CheckpointStore* store, Checkpoint checkpoint)
    : options_(options),
      store_(store),
      checkpoint_(std::move(checkpoint)),
      state_dir_abs_(AbsolutePath(store->dir())),
      backoff_(options.backoff_initial_ms, options.backoff_max_ms,
               static_cast<uint64_t>(NowUnixMs()) ^ static_cast<uint64_t>(getpid())),
      restarts_(options.restart),
      splitter_(
          options.max_line_bytes,
          [this](uint64_t number, std::string_view line) { OnLine(number, line); },
          [this](uint64_t number) {
            ReportProtocolProblem(
                number,
                "line longer than " + std::to_string(options_.max_line_bytes) + " bytes skipped");
          }),
      terminal_fd_(ForegroundTerminal()) {
  if (!options.matches.empty()) {
    // Already compiled once by the option parser, so this cannot fail.
    Status compiled = LineMatcher::Compile(options.matches, &matcher_);
    if (!compiled.ok()) LogError(compiled.message());
  }
  uv_loop_init(&loop_);
  for (uv_timer_t* timer : {&backoff_timer_, &grace_timer_, &checkpoint_wait_timer_, &stall_timer_,
                            &commit_retry_timer_, &descendants_timer_, &eof_timer_,
                            &commit_interval_timer_, &read_coalesce_timer_}) {
    uv_timer_init(&loop_, timer);
    timer->data = this;
  }
  for (size_t i = 0; i < std::size(kSignals); ++i) {
    uv_signal_init(&loop_, &signal_handles_[i]);
    signal_handles_[i].data = this;
    uv_signal_start(&signal_handles_[i], OnSignalEvent, kSignals[i]);
  }
  committed_records_ = checkpoint_.records;
}

Supervisor::~Supervisor() {
  CloseAckPipe();
  uv_walk(
      &loop_,
      [](uv_handle_t* handle, void*) {
        if (!uv_is_closing(handle)) uv_close(handle, nullptr);
      },
      nullptr);
  uv_run(&loop_, UV_RUN_DEFAULT);
  uv_loop_close(&loop_);
}

int Supervisor::Run() {
  Status opened = events_.Open(options_.events_file);
  if (!opened.ok()) {
    LogError(opened.message());
    return kExitUsage;
  }
  BecomeSubreaper();
  status_line_ = std::make_unique<StatusLine>(
      &loop_, StatusLine::ChooseMode(options_.quiet), options_.status_interval_ms, [this] {
        StatusSnapshot s;
        s.has_position = checkpoint_.has_position;
        s.position = checkpoint_.position;
        s.progress_done = checkpoint_.progress_done;
        s.progress_total = checkpoint_.progress_total;
        FlushDoneBatch();
        s.done = checkpoint_.done.size() + done_overflow_.size();
        s.failed = checkpoint_.failures.size();
        s.attempts = checkpoint_.attempts;
        s.restarts = checkpoint_.restarts;
        return s;
      });
  status_line_->Start();
  if (checkpoint_.created_unix_ms == 0) checkpoint_.created_unix_ms = NowUnixMs();
  if (!options_.progress_file.empty() && !StartProgressFile()) {
    Finish(kExitUsage, "error: cannot read the progress file " + options_.progress_file);
  } else if (options_.watch) {
    // Sidecar mode: no child; the file alone, until COMPLETE or a stop signal.
    // A COMPLETE in the first read has finished the run already.
    child_exited_ = false;
    if (phase_ == Phase::kRunning && checkpoint_.complete) StopWatching(0);
  } else {
    Launch();
  }
  while (phase_ != Phase::kDone) uv_run(&loop_, UV_RUN_ONCE);
  status_line_->Stop();
  return exit_code_;
}

void Supervisor::Launch() {
  // Appends after the last commit would be repeated: cut them off first.
  Status restored = RestoreOutputs(checkpoint_.outputs);
  if (!restored.ok()) {
    LogError(restored.message());
    return Finish(kExitUsage, "error: " + restored.message());
  }
  for (const std::string& path : options_.outputs) DeclareOutput(path);
  CloseAckPipe();
  int acks[2];
  if (pipe2(acks, O_CLOEXEC) != 0) {
    LogError(std::string("cannot create the acknowledgement pipe: ") + strerror(errno));
    return Finish(kExitUsage, "error: cannot create the acknowledgement pipe");
  }
  fcntl(acks[1], F_SETFL, O_NONBLOCK);  // a job that never reads must not block ckwrap
  ack_fd_ = acks[1];
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    close(acks[0]);
    LogError(std::string("cannot create the protocol pipe: ") + strerror(errno));
    return Finish(kExitUsage, "error: cannot create the protocol pipe");
  }
  // Best effort: a smaller pipe (a lower fs.pipe-max-size) only means the job
  // blocks sooner while ckwrap waits between reads.
  fcntl(fds[0], F_SETPIPE_SZ, kProtocolPipeBytes);
  checkpoint_.attempts++;
  LaunchSpec spec;
  spec.argv = ChildArgv(options_, checkpoint_);
  spec.protocol_write_fd = fds[1];
  spec.ack_read_fd = acks[0];
  spec.terminal_fd = terminal_fd_;
  if (!OpenOutputChannels(&spec)) {
    close(acks[0]);
    close(fds[0]);
    close(fds[1]);
    return Finish(kExitUsage, "cannot pipe the job's output");
  }
  spec.env = {{"CKWRAP_FD", std::to_string(kChildProtocolFd)},
              {"CKWRAP_STATE_DIR", state_dir_abs_},
              {"CKWRAP_ATTEMPT", std::to_string(checkpoint_.attempts)},
              {"CKWRAP_ACK_FD", std::to_string(kChildAckFd)}};
  if (checkpoint_.has_position) {
    spec.env.emplace_back("CKWRAP_RESUME_FROM", checkpoint_.position);
    spec.env.emplace_back("CKWRAP_RESUME_FLAG", options_.resume_flag);
  } else {
    spec.unset_env.insert(spec.unset_env.end(), {"CKWRAP_RESUME_FROM", "CKWRAP_RESUME_FLAG"});
  }
  if (IsResumedLaunch(checkpoint_)) {
    Status written = WriteResumeFiles(state_dir_abs_, checkpoint_, &spec.env);
    if (!written.ok()) {
      close(acks[0]);
      close(fds[0]);
      close(fds[1]);
      if (spec.stdout_write_fd >= 0) close(spec.stdout_write_fd);
      if (spec.stderr_write_fd >= 0) close(spec.stderr_write_fd);
      checkpoint_.attempts--;
      LogError(written.message() + "; not launching the job without it");
      return Finish(kExitUsage, "error: " + written.message());
    }
  } else {
    spec.unset_env.insert(spec.unset_env.end(), {"CKWRAP_DONE_FILE", "CKWRAP_STATE_FILE"});
  }
  std::string argv_text;
  for (const auto& arg : spec.argv) argv_text += (argv_text.empty() ? "" : " ") + Quoted(arg);
  LogVerbose("attempt " + std::to_string(checkpoint_.attempts) + ": launching " + argv_text);
  LaunchResult launched = LaunchChild(spec);
  close(acks[0]);
  close(fds[1]);
  if (spec.stdout_write_fd >= 0) close(spec.stdout_write_fd);
  if (spec.stderr_write_fd >= 0) close(spec.stderr_write_fd);
  if (launched.pid <= 0) {
    close(fds[0]);
    checkpoint_.attempts--;
    LogError(launched.error);
    return Finish(launched.exit_code, "error: " + launched.error);
  }
  if (checkpoint_.has_position) {
    LogInfo("attempt " + std::to_string(checkpoint_.attempts) + ": resuming from " +
            checkpoint_.position);
  }
  events_.Emit("launch", {{"attempt", std::to_string(checkpoint_.attempts)},
                          {"pid", std::to_string(launched.pid)},
                          {"resume_from", checkpoint_.has_position ? Quoted(checkpoint_.position)
                                                                   : std::string("null")}});
  child_pid_ = launched.pid;
  child_exited_ = false;
  pipe_eof_ = false;
  progress_this_run_ = false;
  stalled_ = false;
  stopping_job_ = false;
  phase_ = Phase::kRunning;
  protocol_pipe_ = new uv_pipe_t;
  uv_pipe_init(&loop_, protocol_pipe_, 0);
  uv_pipe_open(protocol_pipe_, fds[0]);
  protocol_pipe_->data = this;
  reading_paused_ = false;
  read_coalescing_ = false;
  uv_timer_stop(&read_coalesce_timer_);
  pipe_reading_ = true;
  uv_read_start(reinterpret_cast<uv_stream_t*>(protocol_pipe_), OnAlloc, OnRead);
  if (options_.stall_timeout_ms > 0) {
    uv_timer_start(
        &stall_timer_,
        [](uv_timer_t* timer) { static_cast<Supervisor*>(timer->data)->OnStalled(); },
        options_.stall_timeout_ms, 0);
  }
  dirty_ = true;  // the attempt count
  StartCommit();
}

// Pipes the child's stdout/stderr through ckwrap when records or --match
// lines are to be read from them; otherwise the child inherits ckwrap's own.
bool Supervisor::OpenOutputChannels(LaunchSpec* spec) {
  std::vector<std::unique_ptr<OutputChannel>> still_closing;
  for (auto& channel : channels_) {
    if (!channel->closed()) still_closing.push_back(std::move(channel));
  }
  channels_.swap(still_closing);
  const struct {
    const char* name;
    int target_fd;
    int* child_fd;
  } streams[] = {{"stdout", STDOUT_FILENO, &spec->stdout_write_fd},
                 {"stderr", STDERR_FILENO, &spec->stderr_write_fd}};
  for (const auto& stream : streams) {
    const bool records = options_.protocol_on == stream.name;
    if (!records && !matcher_ && !status_line_->PipesStream(stream.target_fd)) continue;
    const char* name = stream.name;
    OutputFilter::Callbacks callbacks;
    callbacks.record = [this, name](uint64_t number, std::string_view line) {
      OnChannelLine(name, number, line, true);
    };
    if (matcher_) {
      callbacks.text = [this, name](uint64_t number, std::string_view line) {
        OnChannelLine(name, number, line, false);
      };
    }
    callbacks.overlong = [this, name](uint64_t number) {
      line_source_ = name;
      ReportProtocolProblem(
          number, "line longer than " + std::to_string(options_.max_line_bytes) + " bytes skipped");
      line_source_ = "protocol";
    };
    auto channel = std::make_unique<OutputChannel>(
        &loop_, name, stream.target_fd, records ? options_.protocol_prefix : std::string(),
        options_.max_line_bytes, std::move(callbacks),
        [this] {
          StartCommit();
          UpdateReading();
        },
        [this] { MaybeRunOver(); });
    if (!channel->Open(stream.child_fd)) {
      LogError(std::string("cannot create the pipe for the job's ") + name + ": " +
               strerror(errno));
      if (spec->stdout_write_fd >= 0) close(spec->stdout_write_fd);
      spec->stdout_write_fd = -1;
      return false;
    }
    channels_.push_back(std::move(channel));
  }
  return true;
}

bool Supervisor::StartProgressFile() {
  ProgressFileWatcher::Callbacks callbacks;
  // With --match the file is a log whose matching lines count; without, a
  // file of protocol records.
  callbacks.line = [this](uint64_t number, std::string_view line) {
    OnChannelLine("progress file", number, line, matcher_ == nullptr);
    UpdateReading();  // a long read stops once enough waits for a commit
  };
  callbacks.overlong = [this](uint64_t number) {
    line_source_ = "progress file";
    ReportProtocolProblem(
        number, "line longer than " + std::to_string(options_.max_line_bytes) + " bytes skipped");
    line_source_ = "protocol";
  };
  callbacks.batch = [this] { OnProgressFileBatch(); };
  callbacks.caught_up = [this] { MaybeRunOver(); };
  watcher_ = std::make_unique<ProgressFileWatcher>(&loop_, options_.progress_file,
                                                   options_.max_line_bytes, std::move(callbacks));
  // A supervised job's fresh start skips what an earlier job left in the
  // file; the sidecar reads the file whole (its job may have started first).
  Status status = watcher_->Start(checkpoint_.progress_file, !options_.watch);
  if (!status.ok()) LogError(status.message());
  return status.ok();
}

// The records of a read and the cursor past them go into the same commit, so
// a relaunch neither re-reads nor skips a line.
void Supervisor::OnProgressFileBatch() {
  checkpoint_.progress_file = watcher_->cursor();
  dirty_ = true;
  StartCommit();
  if (options_.watch && checkpoint_.complete && phase_ == Phase::kRunning) StopWatching(0);
}

void Supervisor::StopWatching(int exit_code) {
  watcher_->Check();  // the final drain
  // A COMPLETE in it has finished the run already (OnProgressFileBatch).
  if (phase_ != Phase::kRunning) return;
  watcher_->Stop();
  if (exit_code == 0) {
    LogInfo("the job said COMPLETE");
    return Finish(exit_code, "complete at position " + checkpoint_.position);
  }
  LogInfo("stopped; progress is saved in " + state_dir_abs_ + " and the next run resumes");
  Finish(exit_code, "stopped at position " + checkpoint_.position);
}

void Supervisor::OnChannelLine(const char* source, uint64_t line_number, std::string_view line,
                               bool is_record) {
  line_source_ = source;
  if (is_record) {
    OnLine(line_number, line);
  } else {
    matcher_->Match(line,
                    [this, line_number](std::string_view record) { OnLine(line_number, record); });
  }
  line_source_ = "protocol";
}

void Supervisor::OnAlloc(uv_handle_t*, size_t, uv_buf_t* buf) {
  // One buffer suffices: the splitter copies only a partial last line.
  static char buffer[kReadBufferBytes];
  *buf = uv_buf_init(buffer, sizeof(buffer));
}

void Supervisor::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<Supervisor*>(stream->data);
  if (nread > 0) return self->OnProtocolBytes(buf->base, static_cast<size_t>(nread));
  if (nread < 0) self->OnProtocolEof();  // UV_EOF, or an error that ends the stream too
}

void Supervisor::OnProtocolBytes(const char* data, size_t size) {
  splitter_.Feed(std::string_view(data, size));
  StartCommit();
  // While the job streams (this short read came within kReadCoalesceMs of the
  // one before, or of a pause's end), pause before the next read: a job
  // writing a record per item then wakes ckwrap at most 500 times a second,
  // not once per record. A pipe write that wakes a sleeping reader costs the
  // writer several microseconds: 8% of a 10k items/s job's time, measured
  // with a plain `cat` reading. A record after a quiet spell (or after a
  // SYNC's acknowledgement, see Acknowledge) is read at once.
  const uint64_t now = uv_hrtime();
  const bool streaming = now - last_read_ns_ < kReadCoalesceMs * 1000000;
  last_read_ns_ = now;
  if (size < kReadBufferBytes && !read_coalescing_ && streaming) {
    read_coalescing_ = true;
    uv_timer_start(
        &read_coalesce_timer_,
        [](uv_timer_t* timer) {
          auto* self = static_cast<Supervisor*>(timer->data);
          self->read_coalescing_ = false;
          self->last_read_ns_ = uv_hrtime();  // what came meanwhile is still a stream
          self->UpdateReading();
        },
        kReadCoalesceMs, 0);
  }
  UpdateReading();
}

// Backpressure on every input alike: fd 3, the piped stdout/stderr and the
// progress file stop being read together and start again together.
void Supervisor::UpdateReading() {
  // DONE ids wait in done_batch_ until the next StartCommit: they count too.
  const size_t waiting = journal_pending_.size() + done_batch_bytes_.size() +
                         done_batch_.size() * sizeof(done_batch_[0]);
  bool pause = waiting >= kMaxPendingJournalBytes ||
               (options_.sync == SyncMode::kAlways && commit_in_flight_);
  for (const auto& channel : channels_) channel->SetPaused(pause);
  if (watcher_) watcher_->SetPaused(pause);
  if (pause != reading_paused_) {
    reading_paused_ = pause;
    // A pipe the job's exit left unread gets a full second of reading before
    // OnEofTimeout decides an outsider holds it.
    if (!pause && uv_is_active(reinterpret_cast<uv_handle_t*>(&eof_timer_))) {
      uv_timer_start(&eof_timer_, eof_timer_.timer_cb, kEofAfterExitMs, 0);
    }
  }
  if (protocol_pipe_ == nullptr) return;
  const bool read = !pause && !read_coalescing_;
  if (read == pipe_reading_) return;
  pipe_reading_ = read;
  auto* stream = reinterpret_cast<uv_stream_t*>(protocol_pipe_);
  if (read) {
    uv_read_start(stream, OnAlloc, OnRead);
  } else {
    uv_read_stop(stream);
  }
}

void Supervisor::OnProtocolEof() {
  splitter_.Finish();
  pipe_eof_ = true;
  uv_close(reinterpret_cast<uv_handle_t*>(protocol_pipe_),
           [](uv_handle_t* handle) { delete reinterpret_cast<uv_pipe_t*>(handle); });
  protocol_pipe_ = nullptr;
  StartCommit();
  MaybeRunOver();
}

void Supervisor::OnLine(uint64_t line_number, std::string_view line) {
  Record record;
  std::string error;
  if (!ParseRecord(line, &record, &error)) return ReportProtocolProblem(line_number, error);
  // Progress means something new: a repeated position, id or value is not.
  switch (record.verb) {
    case Verb::kCkpt:
      ObserveOutputs();
      if (!checkpoint_.has_position || checkpoint_.position != record.arg) {
        checkpoint_.has_position = true;
        checkpoint_.position.assign(record.arg);
        progress_this_run_ = true;
      }
      break;
    case Verb::kDone:
      ObserveOutputs();
      // Into the set in batches (FlushDoneBatch): a flood of DONE lines is
      // several times faster that way.
      done_batch_.emplace_back(done_batch_bytes_.size(), record.arg.size());
      done_batch_bytes_.append(record.arg);
      break;
    case Verb::kFail:
      checkpoint_.failures.push_back({std::string(record.arg), std::string(record.detail)});
      AppendJournalFail(&journal_pending_, record.arg, record.detail);
      progress_this_run_ = true;
      break;
    case Verb::kState: {
      std::string& value = checkpoint_.state[std::string(record.arg)];
      if (value != record.detail) {
        value.assign(record.detail);
        AppendJournalState(&journal_pending_, record.arg, record.detail);
        progress_this_run_ = true;
      }
      break;
    }
    case Verb::kProgress:
      checkpoint_.progress_done = record.count;
      checkpoint_.progress_total = record.total;
      break;
    case Verb::kComplete:
      checkpoint_.complete = true;
      break;
    case Verb::kOutput:
      DeclareOutput(std::string(record.arg));
      break;
    case Verb::kSync:
      // Acknowledged once a commit covering this record (and all before it) is durable.
      sync_waiting_.emplace_back(checkpoint_.records + 1, std::string(record.arg));
      break;
  }
  checkpoint_.records++;
  dirty_ = true;
  // Any record shows the job is alive. (uv_timer_again is a no-op when stopped.)
  uv_timer_again(&stall_timer_);
}

void Supervisor::FlushDoneBatch() {
  if (done_batch_.empty()) return;
  std::vector<std::string_view> ids;
  ids.reserve(done_batch_.size());
  for (auto [offset, size] : done_batch_)
    ids.push_back(std::string_view(done_batch_bytes_).substr(offset, size));
  std::unique_ptr<bool[]> added(new bool[ids.size()]);
  // While a snapshot is encoded, an id already in checkpoint_.done may be
  // journaled again: harmless (a set), and cheaper than a second lookup.
  DoneSet& set = snapshot_in_flight_ ? done_overflow_ : checkpoint_.done;
  set.InsertBatch(ids.data(), ids.size(), added.get());
  // Set semantics: only a new id is journaled, and is progress.
  size_t kept = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (added[i]) ids[kept++] = ids[i];
  }
  ids.resize(kept);
  if (kept > 0) progress_this_run_ = true;
  AppendJournalDones(&journal_pending_, ids);
  done_batch_.clear();
  done_batch_bytes_.clear();
}

void Supervisor::ObserveOutputs() {
  // The size when the record is read: everything the job wrote before it
  // emitted the record (man/ckwrap.1, --output, for the contract).
  for (OutputFile& f : checkpoint_.outputs) {
    uint64_t size = 0;
    Status status = OutputSize(f.path, &size);
    if (status.ok()) {
      f.size = size;
    } else {
      LogError("declared output: " + status.message());
    }
  }
}

void Supervisor::DeclareOutput(const std::string& path) {
  const std::string abs = AbsolutePath(path);
  for (const OutputFile& f : checkpoint_.outputs) {
    if (f.path == abs) return;
  }
  OutputFile f;
  f.path = abs;
  Status status = OutputSize(abs, &f.size);
  if (!status.ok()) LogError("declared output: " + status.message());
  checkpoint_.outputs.push_back(std::move(f));
  dirty_ = true;
}

void Supervisor::HashOutputTails() {
  hashed_sizes_.resize(checkpoint_.outputs.size(), UINT64_MAX);
  for (size_t i = 0; i < checkpoint_.outputs.size(); ++i) {
    OutputFile& f = checkpoint_.outputs[i];
    if (hashed_sizes_[i] == f.size) continue;
    Status status = OutputTailHash(f.path, f.size, &f.tail_hash);
    if (!status.ok()) {
      LogError("declared output: " + status.message());
      continue;
    }
    hashed_sizes_[i] = f.size;
  }
}

void Supervisor::Acknowledge(uint64_t committed_records) {
  size_t acked = 0;
  while (acked < sync_waiting_.size() && sync_waiting_[acked].first <= committed_records) {
    if (ack_fd_ >= 0) {
      std::string line = sync_waiting_[acked].second + "\n";
      // At most 4096 bytes: atomic; the pipe is non-blocking, so a job that
      // sends SYNC and never reads fd 4 loses acks rather than stalling ckwrap.
      if (write(ack_fd_, line.data(), line.size()) < 0 && errno != EPIPE) {
        LogError(std::string("acknowledgement not sent: ") + strerror(errno));
      }
    }
    acked++;
  }
  sync_waiting_.erase(sync_waiting_.begin(), sync_waiting_.begin() + acked);
  // A job that waited for an acknowledgement writes its next record now: read
  // it at once rather than after the pause between reads, and the record and
  // SYNC it writes next are not a stream to pause on.
  if (acked > 0) {
    last_read_ns_ = 0;
    EndReadPause();
  }
}

void Supervisor::EndReadPause() {
  if (!read_coalescing_) return;
  uv_timer_stop(&read_coalesce_timer_);
  read_coalescing_ = false;
  UpdateReading();
}

void Supervisor::CloseAckPipe() {
  if (ack_fd_ >= 0) close(ack_fd_);
  ack_fd_ = -1;
  sync_waiting_.clear();  // the waiter has gone with the last attempt
}

void Supervisor::ReportProtocolProblem(uint64_t line_number, const std::string& what) {
  // Bounded so a job spewing garbage cannot flood the log.
  if (++protocol_warnings_ > kMaxProtocolWarnings) return;
  LogError(std::string(line_source_) + " line " + std::to_string(line_number) + " (attempt " +
           std::to_string(checkpoint_.attempts) + "): " + what + "; skipped");
  if (protocol_warnings_ == kMaxProtocolWarnings) {
    LogError("further protocol warnings are not shown");
  }
}

void Supervisor::OnSignalEvent(uv_signal_t* handle, int signum) {
  static_cast<Supervisor*>(handle->data)->OnSignal(signum);
}

void Supervisor::OnSignal(int signum) {
  if (signum == SIGCHLD) return ReapChildren();
  if (phase_ != Phase::kFinishing && phase_ != Phase::kDone) {
    events_.Emit("signal", {{"signal", std::to_string(signum)}});
  }
  if (signum != SIGINT && signum != SIGTERM) {
    if (phase_ == Phase::kRunning) KillGroup(signum);
    return;
  }
  if (options_.watch) {
    if (phase_ == Phase::kRunning) {
      stop_requested_ = true;
      StopWatching(kExitInterrupted);
    }
    return;
  }
  // SIGINT/SIGTERM mean stop, not crash.
  const bool first = !stop_requested_;
  stop_requested_ = true;
  if (phase_ == Phase::kBackoff) {
    uv_timer_stop(&backoff_timer_);
    return Finish(kExitInterrupted, "stopped at position " + checkpoint_.position);
  }
  if (phase_ != Phase::kRunning || child_exited_) return;
  if (first) return StopJob(signum);
  KillGroup(signum);  // asked again: pass it on at once
}

// The stop sequence for the running job: optionally ask it to checkpoint and
// wait a bounded time for that commit, then the stop signal, the grace, SIGKILL.
void Supervisor::StopJob(int stop_signal) {
  if (stopping_job_) return;
  stopping_job_ = true;
  stop_signal_ = stop_signal;
  uv_timer_stop(&stall_timer_);
  if (options_.checkpoint_signal == 0) return SendStopSignal();
  checkpoint_request_records_ = checkpoint_.records;
  KillGroup(options_.checkpoint_signal);
  uv_timer_start(
      &checkpoint_wait_timer_,
      [](uv_timer_t* timer) {
        auto* self = static_cast<Supervisor*>(timer->data);
        LogInfo("no new checkpoint within --checkpoint-wait; stopping the job");
        self->SendStopSignal();
      },
      options_.checkpoint_wait_ms, 0);
}

void Supervisor::SendStopSignal() {
  uv_timer_stop(&checkpoint_wait_timer_);
  if (child_exited_) return;
  KillGroup(stop_signal_);
  uv_timer_start(
      &grace_timer_,
      [](uv_timer_t* timer) {
        LogError("job did not stop within the grace period; killing it");
        static_cast<Supervisor*>(timer->data)->KillGroup(SIGKILL);
      },
      options_.grace_ms, 0);
}

void Supervisor::OnStalled() {
  LogError("no record from the job for " + std::to_string(options_.stall_timeout_ms) +
           " ms; stopping it as hung");
  events_.Emit("stalled", {{"attempt", std::to_string(checkpoint_.attempts)}});
  stalled_ = true;
  StopJob(SIGTERM);
}

void Supervisor::KillGroup(int signum) {
  if (child_pid_ > 0) kill(-child_pid_, signum);
}

void Supervisor::ReapChildren() {
  // ckwrap is the one owner of waitpid: reap everything (orphans too, as PID 1
  // or subreaper), keep the job's status.
  int status = 0;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    if (pid == child_pid_ && !child_exited_) OnChildExit(status);
  }
  if (!descendants_done_) TerminateDescendants();
}

void Supervisor::ReclaimTerminal() {
  // SIGTTOU is ignored by ckwrap (process_setup.cc), so a background caller is not stopped here.
  if (terminal_fd_ >= 0) tcsetpgrp(terminal_fd_, getpgrp());
}

void Supervisor::OnChildExit(int wait_status) {
  child_exited_ = true;
  child_wait_status_ = wait_status;
  uv_timer_stop(&grace_timer_);
  uv_timer_stop(&checkpoint_wait_timer_);
  uv_timer_stop(&stall_timer_);
  // The rest of the pipe and its EOF now, not after the pause between reads:
  // the relaunch waits on them.
  EndReadPause();
  ReclaimTerminal();
  // Whatever the job left in its group (holding fd 3 or not) must not run on
  // beside the next attempt.
  KillGroup(SIGKILL);
  uv_timer_start(
      &eof_timer_, [](uv_timer_t* timer) { static_cast<Supervisor*>(timer->data)->OnEofTimeout(); },
      kEofAfterExitMs, 0);
  const int code = ExitCodeOf(wait_status);
  events_.Emit("exit", {{"attempt", std::to_string(checkpoint_.attempts)},
                        {"status", std::to_string(code)},
                        {"signal", WIFSIGNALED(wait_status) ? std::to_string(WTERMSIG(wait_status))
                                                            : std::string("null")}});
  if (code != 0 && !stop_requested_) {
    LogInfo("job " + DescribeExit(wait_status) + " (attempt " +
            std::to_string(checkpoint_.attempts) + ")");
  }
  MaybeRunOver();
}

// The job has exited; its pipes should reach EOF at once. One still open is
// held by a process that left the job's group: stop reading it. Never while
// reading is paused for backpressure: the records still in the pipe count.
void Supervisor::OnEofTimeout() {
  if (phase_ != Phase::kRunning || !child_exited_) return;
  if (reading_paused_) {
    uv_timer_start(&eof_timer_, eof_timer_.timer_cb, kEofAfterExitMs, 0);
    return;
  }
  if (!pipe_eof_) {
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

void Supervisor::MaybeRunOver() {
  // The run is over only when both the exit status and the pipe's EOF are in.
  if (phase_ != Phase::kRunning || !child_exited_ || !pipe_eof_) return;
  for (const auto& channel : channels_) {
    if (!channel->eof()) return;
  }
  // What the job wrote to the file before it exited. Reading paused, the rest
  // is read as commits catch up, and caught_up brings us back here.
  if (watcher_) {
    watcher_->Check();
    if (watcher_->behind()) return;
  }
  child_pid_ = -1;
  uv_timer_stop(&eof_timer_);  // armed at the exit; must not fire into the next attempt
  phase_ = Phase::kDraining;
  StartCommit();
  if (!commit_in_flight_ && !dirty_) Decide();
}

void Supervisor::Decide() {
  FlushDoneBatch();
  RunOutcome outcome;
  outcome.exit_code = ExitCodeOf(child_wait_status_);
  outcome.killed_by_sigint =
      WIFSIGNALED(child_wait_status_) && WTERMSIG(child_wait_status_) == SIGINT;
  outcome.progressed = progress_this_run_;
  outcome.stalled = stalled_;
  outcome.stop_requested = stop_requested_;
  outcome.job_complete = checkpoint_.complete;
  Verdict verdict = restarts_.OnRunEnded(outcome);
  const std::string where =
      checkpoint_.has_position ? "position " + checkpoint_.position : std::string("no position");
  if (verdict.kind != Verdict::kRelaunch) {
    if (verdict.retire) checkpoint_.complete = true;
    if (verdict.kind == Verdict::kStopped) LogInfo(verdict.reason + " (" + where + ")");
    if (verdict.exit_code == kExitGaveUpNoProgress) {
      LogError("stuck at " + where + "; the next run resumes there (ckwrap reset forgets it)");
    }
    return Finish(verdict.exit_code, verdict.reason + " at " + where + " after " +
                                         std::to_string(checkpoint_.attempts) + " attempts");
  }
  if (restarts_.progressed_last_run()) backoff_.Reset();
  checkpoint_.restarts++;
  status_line_->OnRestart();
  dirty_ = true;
  StartCommit();
  uint64_t delay = backoff_.NextDelayMs();
  if (delay > 0) LogInfo("relaunching in " + std::to_string(delay) + " ms");
  events_.Emit("restart",
               {{"delay_ms", std::to_string(delay)},
                {"runs_without_progress", std::to_string(restarts_.runs_without_progress())}});
  phase_ = Phase::kBackoff;
  uv_timer_start(
      &backoff_timer_, [](uv_timer_t* timer) { static_cast<Supervisor*>(timer->data)->Launch(); },
      delay, 0);
}

void Supervisor::Finish(int exit_code, const std::string& summary) {
  exit_code_ = exit_code;
  phase_ = Phase::kFinishing;
  events_.Emit("finish", {{"status", std::to_string(exit_code)}, {"summary", Quoted(summary)}});
  WriteTerminationLog(options_.termination_log, summary);
  dirty_ = true;          // the last commit carries the final counters and completion
  snapshot_next_ = true;  // and leaves one compact snapshot for the next start
  StartCommit();
  descendants_done_ = false;
  TerminateDescendants();
}

// Nothing of the job may outlive ckwrap (in a container it would die mid-write
// when the namespace goes): TERM every remaining child, then KILL after the grace.
void Supervisor::TerminateDescendants() {
  std::vector<pid_t> children = ListChildren();
  if (children.empty()) {
    descendants_done_ = true;
    uv_timer_stop(&descendants_timer_);
    return MaybeDone();
  }
  if (uv_is_active(reinterpret_cast<uv_handle_t*>(&descendants_timer_))) {
    for (pid_t pid : children) kill(pid, SIGTERM);  // new orphans since the last pass
    return;
  }
  LogInfo("stopping " + std::to_string(children.size()) + " leftover process(es) of the job");
  for (pid_t pid : children) kill(pid, SIGTERM);
  uv_timer_start(
      &descendants_timer_,
      [](uv_timer_t* timer) {
        auto* self = static_cast<Supervisor*>(timer->data);
        for (pid_t pid : ListChildren()) kill(pid, SIGKILL);
        // Keep the timer armed (short) until the SIGKILLed ones are reaped.
        uv_timer_start(timer, timer->timer_cb, 50, 0);
        self->ReapChildren();
      },
      options_.grace_ms, 0);
}

void Supervisor::MaybeDone() {
  if (phase_ == Phase::kFinishing && descendants_done_ && !commit_in_flight_ && !dirty_) {
    phase_ = Phase::kDone;
  }
}

bool Supervisor::CommitMustWait() {
  // A job checkpointing thousands of times a second would otherwise get an
  // fdatasync (and two thread hand-offs) per record or two; spacing the
  // commits keeps ckwrap's cost per record small. Nothing that waits for a
  // commit is delayed: a SYNC, the end of a run, a stop, a full buffer.
  if (options_.commit_interval_ms == 0 || options_.sync == SyncMode::kAlways ||
      phase_ != Phase::kRunning || stopping_job_ || stop_requested_ || !sync_waiting_.empty() ||
      journal_pending_.size() >= kMaxPendingJournalBytes) {
    return false;
  }
  const uint64_t due = last_commit_start_ms_ + options_.commit_interval_ms;
  const uint64_t now = uv_now(&loop_);
  if (now >= due) return false;
  if (!uv_is_active(reinterpret_cast<uv_handle_t*>(&commit_interval_timer_))) {
    uv_timer_start(
        &commit_interval_timer_,
        [](uv_timer_t* timer) { static_cast<Supervisor*>(timer->data)->StartCommit(); }, due - now,
        0);
  }
  return true;
}

void Supervisor::StartCommit() {
  FlushDoneBatch();
  if (abandon_commits_) dirty_ = false;
  if (commit_in_flight_ || !dirty_ || commit_failing_ || CommitMustWait()) return;
  last_commit_start_ms_ = uv_now(&loop_);
  checkpoint_.updated_unix_ms = NowUnixMs();
  HashOutputTails();
  auto* job = new CommitJob;
  job->store = store_;
  job->records = checkpoint_.records;
  job->snapshot = snapshot_next_;
  job->sync = options_.sync != SyncMode::kNone;
  if (job->snapshot) {
    // O(all ids), but only at a run's start and end and at compaction, which
    // comes after a journal as large as the snapshot: O(1) per record amortized.
    // Written on the worker: until it is done, new ids go to done_overflow_.
    DoneSet done = std::move(checkpoint_.done);
    job->rest = checkpoint_;
    checkpoint_.done = std::move(done);
    job->done_ids = &checkpoint_.done;
    snapshot_in_flight_ = true;
    journal_pending_.clear();  // the snapshot holds those records
  } else {
    job->bytes.swap(journal_pending_);
    AppendJournalCommit(&job->bytes, checkpoint_);
  }
  job->done = [this](const Status& status, uint64_t records, bool snapshot) {
    OnCommitDone(status, records, snapshot);
  };
  job->request.data = job;
  dirty_ = false;
  commit_in_flight_ = true;
  // The fsyncs run on libuv's thread pool: reading the pipe never waits on a
  // disk, and records arriving meanwhile go into the next commit.
  uv_queue_work(
      &loop_, &job->request,
      [](uv_work_t* request) {
        auto* job = static_cast<CommitJob*>(request->data);
        job->status = job->snapshot ? job->store->Commit(job->rest, *job->done_ids)
                                    : job->store->AppendJournal(job->bytes, job->sync);
      },
      [](uv_work_t* request, int) {
        std::unique_ptr<CommitJob> job(static_cast<CommitJob*>(request->data));
        job->done(job->status, job->records, job->snapshot);
      });
}

void Supervisor::OnCommitDone(const Status& status, uint64_t records, bool snapshot) {
  commit_in_flight_ = false;
  if (snapshot) {
    snapshot_in_flight_ = false;
    checkpoint_.done.merge(done_overflow_);  // O(ids that came meanwhile)
    done_overflow_.clear();
  }
  UpdateReading();
  if (!status.ok()) {
    // A failed commit is a lost commit: redo it from memory, never assume it
    // landed. Its journal records are gone from memory, so a snapshot it is.
    LogError("checkpoint not saved: " + status.message());
    dirty_ = true;
    snapshot_next_ = true;
    // Ending (the job is gone, or ckwrap was told to stop): retry a few times,
    // then exit 125 rather than retry forever deaf to signals. The previous
    // commit on disk is intact; the next run resumes from it.
    const bool ending =
        phase_ == Phase::kFinishing || (phase_ == Phase::kDraining && stop_requested_);
    if (ending && ++ending_commit_failures_ >= kEndingCommitAttempts) {
      LogError("giving up on saving the last checkpoint after " +
               std::to_string(kEndingCommitAttempts) + " attempts");
      abandon_commits_ = true;
      dirty_ = false;
      if (phase_ == Phase::kFinishing) {
        exit_code_ = kExitUsage;
        return MaybeDone();
      }
      return Finish(kExitUsage, "error: the last checkpoint could not be saved");
    }
    commit_failing_ = true;
    uv_timer_start(
        &commit_retry_timer_,
        [](uv_timer_t* timer) {
          auto* self = static_cast<Supervisor*>(timer->data);
          self->commit_failing_ = false;
          self->StartCommit();
        },
        kCommitRetryMs, 0);
    return;
  }
  committed_records_ = records;
  ending_commit_failures_ = 0;
  events_.Emit("commit",
               {{"records", std::to_string(records)}, {"snapshot", snapshot ? "true" : "false"}});
  Acknowledge(records);
  // The job answered the checkpoint signal and its answer is durable: stop it now.
  if (uv_is_active(reinterpret_cast<uv_handle_t*>(&checkpoint_wait_timer_)) &&
      records > checkpoint_request_records_) {
    SendStopSignal();
  }
  if (snapshot) {
    snapshot_next_ = phase_ == Phase::kFinishing;
  } else if (store_->journal_bytes() >
             std::max(kCompactMinJournalBytes, store_->snapshot_bytes())) {
    snapshot_next_ = true;
  }
  if (dirty_) {
    StartCommit();
    return UpdateReading();
  }
  if (phase_ == Phase::kDraining) return Decide();
  MaybeDone();
}

}  // namespace ckwrap
