// The processes ckwrap is the parent of: its job, and (as PID 1 or a child
// subreaper) every orphan of the job's tree that the kernel re-parented to it.
#pragma once

#include <sys/types.h>

#include <vector>

namespace ckwrap {

// Makes orphaned descendants ckwrap's children (PR_SET_CHILD_SUBREAPER), so
// none can outlive it unnoticed. PID 1 gets them anyway.
void BecomeSubreaper();

// The live children of this process, from /proc.
std::vector<pid_t> ListChildren();

}  // namespace ckwrap
