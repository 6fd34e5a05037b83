#include "supervise/child_process.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "supervise/process_setup.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace ckwrap {
namespace bp = boost::process;
namespace {

bool IsExecutableFile(const std::string& path, int* err) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    *err = errno;
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    *err = EISDIR;
    return false;
  }
  if (access(path.c_str(), X_OK) != 0) {
    *err = errno;
    return false;
  }
  return true;
}

// Ends the forked child whose set-up failed, naming the call on stderr
// (ckwrap's own until the dup2 to stderr has succeeded, the job's after).
// Async-signal-safe.
[[noreturn]] void SetupFailed(const char* call) {
  constexpr std::string_view kPrefix = "ckwrap: cannot set up the job's process: ";
  constexpr std::string_view kSuffix = " failed\n";
  ssize_t ignored = write(STDERR_FILENO, kPrefix.data(), kPrefix.size());
  ignored = write(STDERR_FILENO, call, std::strlen(call));
  ignored = write(STDERR_FILENO, kSuffix.data(), kSuffix.size());
  (void)ignored;  // exiting anyway
  _exit(kExitChildSetupFailed);
}

// fd becomes the child's target fd and stays open across exec. Async-signal-safe.
void PlaceChildFd(int fd, int target, const char* failed_call) {
  if (fd == target) {
    if (fcntl(target, F_SETFD, 0) != 0) SetupFailed(failed_call);
  } else if (dup2(fd, target) != target) {
    SetupFailed(failed_call);
  }
}

// Runs in the forked child before exec: only async-signal-safe calls.
void SetUpChild(int protocol_write_fd, int ack_read_fd, int slot_fd, int terminal_fd, int stdout_fd,
                int stderr_fd) {
  if (setpgid(0, 0) != 0) SetupFailed("setpgid");
  // Done here as well as in the parent so the job never reads the terminal
  // from a background group (SIGTTIN). SIGTTOU is still ignored at this point.
  if (terminal_fd >= 0) tcsetpgrp(terminal_fd, getpid());
  // The pipes are all above fd 3 (PrepareProcess keeps 0-3 occupied).
  if (stdout_fd >= 0 && dup2(stdout_fd, STDOUT_FILENO) != STDOUT_FILENO) {
    SetupFailed("dup2 to stdout");
  }
  if (stderr_fd >= 0 && dup2(stderr_fd, STDERR_FILENO) != STDERR_FILENO) {
    SetupFailed("dup2 to stderr");
  }
  // PrepareProcess keeps fd 3 occupied, so the write end is never 3 already;
  // dup2 gives the copy at 3 no FD_CLOEXEC.
  if (dup2(protocol_write_fd, kChildProtocolFd) != kChildProtocolFd) SetupFailed("dup2 to fd 3");
  // The slot is moved out of fd 4's way first, so placing fd 4 cannot close it.
  if (slot_fd == kChildAckFd && (slot_fd = fcntl(slot_fd, F_DUPFD, kChildSlotFd + 1)) < 0) {
    SetupFailed("fcntl F_DUPFD of the checkpoint slot");
  }
  if (ack_read_fd >= 0) PlaceChildFd(ack_read_fd, kChildAckFd, "dup2 to fd 4");
  if (slot_fd >= 0) PlaceChildFd(slot_fd, kChildSlotFd, "dup2 to fd 5");
  // Everything else ckwrap holds closes at exec (Boost's own error pipe included,
  // which is why this marks rather than closes).
  const int last = slot_fd >= 0 ? kChildSlotFd : ack_read_fd >= 0 ? kChildAckFd : kChildProtocolFd;
  syscall(SYS_close_range, last + 1, ~0U, CLOSE_RANGE_CLOEXEC);
  RestoreCallerSignals();
}

// The child's environment: ckwrap's own, less the names the spec sets or
// unsets, plus the spec's values. (Boost's environment type reads past the
// end of short names under ASan, so the block is built here.)
std::vector<std::string> ChildEnvironment(const LaunchSpec& spec) {
  auto replaced = [&spec](std::string_view entry) {
    std::string_view name = entry.substr(0, entry.find('='));
    for (const auto& unset : spec.unset_env) {
      if (name == unset) return true;
    }
    for (const auto& set : spec.env) {
      if (name == set.first) return true;
    }
    return false;
  };
  std::vector<std::string> entries;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (!replaced(*entry)) entries.emplace_back(*entry);
  }
  for (const auto& [name, value] : spec.env) entries.push_back(name + "=" + value);
  return entries;
}

}  // namespace

bool ResolveCommand(const std::string& name, std::string* path, int* exit_code,
                    std::string* error) {
  int err = ENOENT;
  if (name.empty()) {
    *exit_code = kExitNotFound;
    *error = "empty command name";
    return false;
  }
  if (name.find('/') != std::string::npos) {
    if (IsExecutableFile(name, &err)) {
      *path = name;
      return true;
    }
    *exit_code = err == ENOENT || err == ENOTDIR ? kExitNotFound : kExitNotExecutable;
    *error = name + ": " + std::strerror(err);
    return false;
  }
  const char* path_env = std::getenv("PATH");
  std::string dirs = path_env ? path_env : "/usr/local/bin:/usr/bin:/bin";
  bool found_unexecutable = false;
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (IsExecutableFile(candidate, &err)) {
      *path = candidate;
      return true;
    }
    if (err != ENOENT && err != ENOTDIR) found_unexecutable = true;
    start = end + 1;
  }
  *exit_code = found_unexecutable ? kExitNotExecutable : kExitNotFound;
  *error = name + (found_unexecutable ? ": Permission denied" : ": command not found");
  return false;
}

LaunchResult LaunchChild(const LaunchSpec& spec) {
  LaunchResult result;
  std::string path;
  if (!ResolveCommand(spec.argv.empty() ? "" : spec.argv[0], &path, &result.exit_code,
                      &result.error)) {
    return result;
  }
  std::vector<std::string> env_entries = ChildEnvironment(spec);
  std::vector<char*> envp;
  for (auto& entry : env_entries) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::vector<std::string> args(spec.argv.begin() + 1, spec.argv.end());

  const int write_fd = spec.protocol_write_fd;
  const int ack_fd = spec.ack_read_fd;
  const int slot_fd = spec.slot_fd;
  const int terminal_fd = spec.terminal_fd;
  const int stdout_fd = spec.stdout_write_fd;
  const int stderr_fd = spec.stderr_write_fd;
  std::error_code ec;
  int exec_errno = 0;
  bp::child child(
      bp::exe = path, bp::args = args,
      bp::extend::on_setup = [&envp](auto& exec) { exec.env = envp.data(); },
      bp::extend::on_exec_setup =
          [write_fd, ack_fd, slot_fd, terminal_fd, stdout_fd, stderr_fd](auto&) {
            SetUpChild(write_fd, ack_fd, slot_fd, terminal_fd, stdout_fd, stderr_fd);
          },
      // The error_code form plus reaping here: the throwing form leaves a zombie.
      bp::extend::on_error =
          [&exec_errno](auto& exec, const std::error_code& error) {
            exec_errno = error.value();
            if (exec.pid > 0) waitpid(exec.pid, nullptr, 0);
          },
      ec);
  if (ec) {
    result.exit_code = exec_errno == ENOENT ? kExitNotFound : kExitNotExecutable;
    result.error = spec.argv[0] + ": " + ec.message();
    return result;
  }
  result.pid = child.id();
  // Also from the parent, so signals to the group work before the child runs.
  setpgid(result.pid, result.pid);
  if (terminal_fd >= 0) tcsetpgrp(terminal_fd, result.pid);
  // ckwrap owns waitpid; a still-attached bp::child would kill on destruction.
  child.detach();
  return result;
}

}  // namespace ckwrap
