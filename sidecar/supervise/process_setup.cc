#include "supervise/process_setup.h"

#include <fcntl.h>
#include <unistd.h>

namespace ckwrap {
namespace {

sigset_t caller_mask;
bool caller_ignored[NSIG];

void EnsureFdOpen(int fd) {
  if (fcntl(fd, F_GETFD) != -1) return;
  int null_fd = open("/dev/null", O_RDWR);
  if (null_fd >= 0 && null_fd != fd) {
    dup2(null_fd, fd);
    close(null_fd);
  }
}

}  // namespace

void PrepareProcess() {
  sigprocmask(SIG_SETMASK, nullptr, &caller_mask);
  for (int sig = 1; sig < NSIG; ++sig) {
    struct sigaction current {};
    caller_ignored[sig] = sigaction(sig, nullptr, &current) == 0 && current.sa_handler == SIG_IGN;
  }
  for (int fd = 0; fd <= 3; ++fd) EnsureFdOpen(fd);
  // fd 3 may be an outer ckwrap's protocol pipe: never pass it on by accident.
  fcntl(3, F_SETFD, FD_CLOEXEC);

  signal(SIGPIPE, SIG_IGN);
  // ckwrap hands the terminal to its job and takes it back: neither that nor
  // its own messages may stop it when it is not the foreground group.
  signal(SIGTTOU, SIG_IGN);
  signal(SIGTTIN, SIG_IGN);
  signal(SIGCHLD, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

void RestoreCallerSignals() {
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    struct sigaction action {};
    action.sa_handler = caller_ignored[sig] ? SIG_IGN : SIG_DFL;
    sigemptyset(&action.sa_mask);
    sigaction(sig, &action, nullptr);
  }
  sigprocmask(SIG_SETMASK, &caller_mask, nullptr);
}

}  // namespace ckwrap
