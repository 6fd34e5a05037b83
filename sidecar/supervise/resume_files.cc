#include "supervise/resume_files.h"

#include "store/checkpoint_json.h"
#include "store/durable_file.h"

namespace ckwrap {

bool IsResumedLaunch(const Checkpoint& checkpoint) {
  return checkpoint.has_position || !checkpoint.done.empty() || !checkpoint.state.empty();
}

std::string DoneFileBytes(const Checkpoint& checkpoint) {
  size_t bytes = 0;
  for (std::string_view id : checkpoint.done) bytes += id.size() + 1;
  std::string out;
  out.reserve(bytes);
  for (std::string_view id : checkpoint.done) {
    out += id;
    out += '\n';
  }
  return out;
}

Status WriteResumeFiles(const Directory& dir, const std::string& dir_abs,
                        const Checkpoint& checkpoint,
                        std::vector<std::pair<std::string, std::string>>* env) {
  const std::string done_path = dir_abs + "/" + kDoneFileName;
  const std::string state_path = dir_abs + "/" + kStateFileName;
  // Errors name the file ("replace DIR/done.txt: ..."). Not fsynced: both are
  // rewritten from the checkpoint before every launch, and four fsyncs here
  // would sit between a crash and the relaunch.
  Status status = AtomicReplace(dir, kDoneFileName, DoneFileBytes(checkpoint));
  if (!status.ok()) return status;
  status = AtomicReplace(dir, kStateFileName, StateToJson(checkpoint.state) + "\n");
  if (!status.ok()) return status;
  env->emplace_back("CKWRAP_DONE_FILE", done_path);
  env->emplace_back("CKWRAP_STATE_FILE", state_path);
  return Status::Ok();
}

}  // namespace ckwrap
