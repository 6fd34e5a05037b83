// Process-wide set-up ckwrap does for itself at start, and what its children
// must get back: the signal mask and dispositions ckwrap was started with.
#pragma once

#include <signal.h>

namespace ckwrap {

// Records the caller's signal mask and which signals it ignored, then makes
// ckwrap itself safe to run: fds 0-2 and 3 exist (libuv aborts on a closed
// 0-2; holding 3 keeps any of our own pipes off the child's protocol fd),
// SIGPIPE, SIGTTOU and SIGTTIN ignored, SIGCHLD not ignored (an inherited SIG_IGN makes the kernel
// discard exit statuses). Call first thing in main.
void PrepareProcess();

// In a forked child before exec (async-signal-safe): every signal gets the
// disposition and mask that ckwrap's own caller gave ckwrap.
void RestoreCallerSignals();

}  // namespace ckwrap
