#include "supervisor.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "checkpoint_codec.h"
#include "child_process.h"
#include "log.h"

namespace ckwrap {
namespace {

constexpr size_t kReadBufferBytes = 64 * 1024;
constexpr uint64_t kMaxProtocolWarnings = 100;  // per ckwrap run; then one notice
constexpr uint64_t kCommitRetryMs = 1000;

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
  Supervisor* supervisor = nullptr;
  CheckpointStore* store = nullptr;
  std::string bytes;
  Status status;
  std::function<void(const Status&)> done;
};

}  // namespace

Supervisor::Supervisor(const RunOptions& options, CheckpointStore* store, Checkpoint checkpoint)
    : options_(options),
      store_(store),
      checkpoint_(std::move(checkpoint)),
      state_dir_abs_(AbsolutePath(store->dir())),
      backoff_(options.backoff_initial_ms, options.backoff_max_ms,
               static_cast<uint64_t>(NowUnixMs()) ^ static_cast<uint64_t>(getpid())),
      splitter_(
          options.max_line_bytes,
          [this](uint64_t number, std::string_view line) { OnLine(number, line); },
          [this](uint64_t number) {
            ReportProtocolProblem(
                number,
                "line longer than " + std::to_string(options_.max_line_bytes) + " bytes skipped");
          }) {
  uv_loop_init(&loop_);
  uv_timer_init(&loop_, &backoff_timer_);
  uv_timer_init(&loop_, &grace_timer_);
  uv_timer_init(&loop_, &commit_retry_timer_);
  backoff_timer_.data = grace_timer_.data = commit_retry_timer_.data = this;
  for (size_t i = 0; i < std::size(kSignals); ++i) {
    uv_signal_init(&loop_, &signal_handles_[i]);
    signal_handles_[i].data = this;
    uv_signal_start(&signal_handles_[i], OnSignalEvent, kSignals[i]);
  }
}

Supervisor::~Supervisor() {
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
  if (checkpoint_.created_unix_ms == 0) checkpoint_.created_unix_ms = NowUnixMs();
  Launch();
  while (phase_ != Phase::kDone) uv_run(&loop_, UV_RUN_ONCE);
  return exit_code_;
}

void Supervisor::Launch() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    LogError(std::string("cannot create the protocol pipe: ") + strerror(errno));
    return Finish(kExitUsage);
  }
  checkpoint_.attempts++;
  LaunchSpec spec;
  spec.argv = ChildArgv(options_, checkpoint_);
  spec.protocol_write_fd = fds[1];
  spec.env = {{"CKWRAP_FD", std::to_string(kChildProtocolFd)},
              {"CKWRAP_STATE_DIR", state_dir_abs_},
              {"CKWRAP_ATTEMPT", std::to_string(checkpoint_.attempts)}};
  if (checkpoint_.has_position) {
    spec.env.emplace_back("CKWRAP_RESUME_FROM", checkpoint_.position);
  } else {
    spec.unset_env.push_back("CKWRAP_RESUME_FROM");
  }
  LaunchResult launched = LaunchChild(spec);
  close(fds[1]);
  if (launched.pid <= 0) {
    close(fds[0]);
    checkpoint_.attempts--;
    LogError(launched.error);
    return Finish(launched.exit_code);
  }
  if (checkpoint_.has_position) {
    LogInfo("attempt " + std::to_string(checkpoint_.attempts) + ": resuming from " +
            checkpoint_.position);
  }
  child_pid_ = launched.pid;
  child_exited_ = false;
  pipe_eof_ = false;
  progress_this_run_ = false;
  phase_ = Phase::kRunning;
  protocol_pipe_ = new uv_pipe_t;
  uv_pipe_init(&loop_, protocol_pipe_, 0);
  uv_pipe_open(protocol_pipe_, fds[0]);
  protocol_pipe_->data = this;
  uv_read_start(reinterpret_cast<uv_stream_t*>(protocol_pipe_), OnAlloc, OnRead);
  dirty_ = true;  // the attempt count
  StartCommit();
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
  switch (record.verb) {
    case Verb::kCkpt:
      checkpoint_.has_position = true;
      checkpoint_.position.assign(record.arg);
      progress_this_run_ = true;
      break;
    case Verb::kDone:
      checkpoint_.done.emplace(record.arg);
      progress_this_run_ = true;
      break;
    case Verb::kFail:
      checkpoint_.failures.push_back({std::string(record.arg), std::string(record.detail)});
      progress_this_run_ = true;
      break;
    case Verb::kState:
      checkpoint_.state[std::string(record.arg)] = std::string(record.detail);
      progress_this_run_ = true;
      break;
    case Verb::kProgress:
      checkpoint_.progress_done = record.count;
      checkpoint_.progress_total = record.total;
      break;
    case Verb::kComplete:
      checkpoint_.complete = true;
      break;
  }
  checkpoint_.records++;
  dirty_ = true;
}

void Supervisor::ReportProtocolProblem(uint64_t line_number, const std::string& what) {
  // Bounded so a job spewing garbage cannot flood the log.
  if (++protocol_warnings_ > kMaxProtocolWarnings) return;
  LogError("protocol line " + std::to_string(line_number) + " (attempt " +
           std::to_string(checkpoint_.attempts) + "): " + what + "; skipped");
  if (protocol_warnings_ == kMaxProtocolWarnings) {
    LogError("further protocol warnings are not shown");
  }
}

void Supervisor::OnSignalEvent(uv_signal_t* handle, int signum) {
  static_cast<Supervisor*>(handle->data)->OnSignal(signum);
}

void Supervisor::OnSignal(int signum) {
  if (signum == SIGCHLD) {
    // ckwrap is the one owner of waitpid: reap everything, keep the job's status.
    int status = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      if (pid == child_pid_) OnChildExit(status);
    }
    return;
  }
  if (signum == SIGINT || signum == SIGTERM) {
    stop_requested_ = true;
    if (phase_ == Phase::kBackoff) {
      uv_timer_stop(&backoff_timer_);
      phase_ = Phase::kFinishing;
      return Finish(kExitInterrupted);
    }
    if (phase_ == Phase::kRunning && !child_exited_) {
      uv_timer_start(
          &grace_timer_,
          [](uv_timer_t* timer) { static_cast<Supervisor*>(timer->data)->OnGraceExpired(); },
          options_.grace_ms, 0);
    }
  }
  if (phase_ == Phase::kRunning) KillGroup(signum);
}

void Supervisor::OnGraceExpired() {
  LogError("job did not stop within the grace period; killing it");
  KillGroup(SIGKILL);
}

void Supervisor::KillGroup(int signum) {
  if (child_pid_ > 0) kill(-child_pid_, signum);
}

void Supervisor::OnChildExit(int wait_status) {
  child_exited_ = true;
  child_exit_code_ = ExitCodeOf(wait_status);
  uv_timer_stop(&grace_timer_);
  // Whatever the job left in its group (holding fd 3 or not) must not run on
  // beside the next attempt.
  KillGroup(SIGKILL);
  if (child_exit_code_ != 0 && !stop_requested_) {
    LogInfo("job " + DescribeExit(wait_status) + " (attempt " +
            std::to_string(checkpoint_.attempts) + ")");
  }
  MaybeRunOver();
}

void Supervisor::MaybeRunOver() {
  // The run is over only when both the exit status and the pipe's EOF are in.
  if (phase_ != Phase::kRunning || !child_exited_ || !pipe_eof_) return;
  child_pid_ = -1;
  phase_ = Phase::kDraining;
  StartCommit();
  if (!commit_in_flight_ && !dirty_) Decide();
}

void Supervisor::Decide() {
  const int code = child_exit_code_;
  if (code == 0) {
    checkpoint_.complete = true;
    return Finish(0);
  }
  if (stop_requested_) {
    LogInfo("stopped; progress is saved in " + state_dir_abs_ + " and the next run resumes");
    return Finish(kExitInterrupted);
  }
  if (checkpoint_.complete) {
    LogError("job said COMPLETE but exited with status " + std::to_string(code) +
             "; not relaunching");
    return Finish(code);
  }
  if (progress_this_run_) {
    restarts_without_progress_ = 0;
    backoff_.Reset();
  }
  if (restarts_without_progress_ >= options_.max_restarts) {
    LogError("giving up after " + std::to_string(restarts_without_progress_) +
             " relaunches in a row without progress");
    return Finish(code);
  }
  restarts_without_progress_++;
  checkpoint_.restarts++;
  dirty_ = true;
  StartCommit();
  uint64_t delay = backoff_.NextDelayMs();
  if (delay > 0) LogInfo("relaunching in " + std::to_string(delay) + " ms");
  phase_ = Phase::kBackoff;
  uv_timer_start(
      &backoff_timer_, [](uv_timer_t* timer) { static_cast<Supervisor*>(timer->data)->Launch(); },
      delay, 0);
}

void Supervisor::Finish(int exit_code) {
  exit_code_ = exit_code;
  phase_ = Phase::kFinishing;
  dirty_ = true;  // the last commit carries the final counters and completion
  StartCommit();
}

void Supervisor::StartCommit() {
  if (commit_in_flight_ || !dirty_ || commit_failing_) return;
  checkpoint_.updated_unix_ms = NowUnixMs();
  auto* job = new CommitJob;
  job->store = store_;
  job->bytes = EncodeCheckpoint(checkpoint_);
  job->done = [this](const Status& status) { OnCommitDone(status); };
  job->request.data = job;
  dirty_ = false;
  commit_in_flight_ = true;
  // The fsyncs run on libuv's thread pool: reading the pipe never waits on a
  // disk, and records arriving meanwhile go into the next commit.
  uv_queue_work(
      &loop_, &job->request,
      [](uv_work_t* request) {
        auto* job = static_cast<CommitJob*>(request->data);
        job->status = job->store->Commit(job->bytes);
      },
      [](uv_work_t* request, int) {
        std::unique_ptr<CommitJob> job(static_cast<CommitJob*>(request->data));
        job->done(job->status);
      });
}

void Supervisor::OnCommitDone(const Status& status) {
  commit_in_flight_ = false;
  if (!status.ok()) {
    // A failed commit is a lost commit: redo it from memory, never assume it landed.
    LogError("checkpoint not saved: " + status.message());
    dirty_ = true;
    if (phase_ == Phase::kFinishing) {
      exit_code_ = kExitUsage;
      phase_ = Phase::kDone;
      return;
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
  if (dirty_) return StartCommit();
  if (phase_ == Phase::kDraining) return Decide();
  if (phase_ == Phase::kFinishing) phase_ = Phase::kDone;
}

}  // namespace ckwrap
