// The files a resumed child reads beside its position: CKWRAP_DONE_FILE (the
// DONE ids, one per line) and CKWRAP_STATE_FILE (the STATE map as JSON).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "store/checkpoint.h"
#include "store/directory.h"

namespace ckwrap {

inline constexpr char kDoneFileName[] = "done.txt";
inline constexpr char kStateFileName[] = "state.json";

// A launch resumes when the checkpoint holds a position, DONE ids or STATE.
bool IsResumedLaunch(const Checkpoint& checkpoint);

// Writes done.txt and state.json into dir (the open state directory) with
// AtomicReplace and appends CKWRAP_DONE_FILE and CKWRAP_STATE_FILE (absolute
// paths under dir_abs, dir's absolute path) to *env. On error nothing is
// appended and the Status names the file: the child must not be launched with
// a missing or stale file.
Status WriteResumeFiles(const Directory& dir, const std::string& dir_abs,
                        const Checkpoint& checkpoint,
                        std::vector<std::pair<std::string, std::string>>* env);

// Frees the done.txt that WriteResumeFiles replaced, once the job is launched
// (or failed to be): freeing a large file's pages is not worth a job's wait.
void ReleaseReplacedResumeFiles(const Directory& dir);

}  // namespace ckwrap
