// The files a resumed child reads beside its position: CKWRAP_DONE_FILE (the
// DONE ids, one per line) and CKWRAP_STATE_FILE (the STATE map as JSON).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "store/checkpoint.h"

namespace ckwrap {

inline constexpr char kDoneFileName[] = "done.txt";
inline constexpr char kStateFileName[] = "state.json";

// A launch resumes when the checkpoint holds a position, DONE ids or STATE.
bool IsResumedLaunch(const Checkpoint& checkpoint);

// Writes dir/done.txt and dir/state.json with AtomicReplace and appends
// CKWRAP_DONE_FILE and CKWRAP_STATE_FILE (absolute paths under dir_abs) to
// *env. On error nothing is appended and the Status names the file: the child
// must not be launched with a missing or stale file.
Status WriteResumeFiles(const std::string& dir_abs, const Checkpoint& checkpoint,
                        std::vector<std::pair<std::string, std::string>>* env);

// The done file's bytes: each id followed by '\n' (ids are single lines).
std::string DoneFileBytes(const Checkpoint& checkpoint);

}  // namespace ckwrap
