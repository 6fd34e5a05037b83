// The processes of ckwrap's job: every descendant of ckwrap, read from /proc.
// As PID 1 or a child subreaper, ckwrap inherits every orphan of the job's
// tree, so a process that left the job's process group (setsid, a daemon)
// is still found here.
#pragma once

#include <sys/types.h>

#include <vector>

namespace ckwrap {

// Makes orphaned descendants ckwrap's children (PR_SET_CHILD_SUBREAPER), so
// none can outlive it unnoticed. PID 1 gets them anyway.
void BecomeSubreaper();

// The live (not zombie) descendants of this process, parents before children.
std::vector<pid_t> ListDescendants();

// Whether pid has a handler installed for signum (SigCgt in /proc/PID/status):
// a signal it would die of by default is not sent to it as a warning.
bool CatchesSignal(pid_t pid, int signum);

}  // namespace ckwrap
