#include "supervise/resume_files.h"

#include <fcntl.h>
#include <unistd.h>

#include "store/checkpoint_json.h"
#include "store/durable_file.h"

namespace ckwrap {

bool IsResumedLaunch(const Checkpoint& checkpoint) {
  return checkpoint.has_position || !checkpoint.done.empty() || !checkpoint.state.empty();
}

namespace {

// The done.txt being replaced keeps this second name until the job has been
// launched: its last name going in the rename freed its pages there, 60 ms
// of a start-up with 10 M ids. A leftover is a temporary file (filenames.h),
// removed at the next start.
constexpr char kReplacedDoneFileName[] = ".tmp.done.txt.replaced";

Status WriteDoneIds(const Checkpoint& checkpoint, const PieceWriter& write) {
  // 1 MiB at a time: ten million ids are 130 MB, not worth holding twice.
  constexpr size_t kPieceBytes = 1 << 20;
  std::string piece;
  piece.reserve(kPieceBytes);
  for (std::string_view id : checkpoint.done) {
    if (piece.size() + id.size() + 1 > kPieceBytes && !piece.empty()) {
      Status status = write(piece);
      if (!status.ok()) return status;
      piece.clear();
    }
    piece.append(id).push_back('\n');
  }
  return piece.empty() ? Status::Ok() : write(piece);
}

}  // namespace

Status WriteResumeFiles(const Directory& dir, const std::string& dir_abs,
                        const Checkpoint& checkpoint,
                        std::vector<std::pair<std::string, std::string>>* env) {
  const std::string done_path = dir_abs + "/" + kDoneFileName;
  const std::string state_path = dir_abs + "/" + kStateFileName;
  // Errors name the file ("replace DIR/done.txt: ..."). Not fsynced: both are
  // rewritten from the checkpoint before every launch, and four fsyncs here
  // would sit between a crash and the relaunch.
  // Best effort: without the second name the rename frees the old file.
  (void)::unlinkat(dir.fd(), kReplacedDoneFileName, 0);
  (void)::linkat(dir.fd(), kDoneFileName, dir.fd(), kReplacedDoneFileName, 0);
  Status status = AtomicReplacePieces(dir, kDoneFileName, [&checkpoint](const PieceWriter& write) {
    return WriteDoneIds(checkpoint, write);
  });
  if (!status.ok()) return status;
  status = AtomicReplace(dir, kStateFileName, StateToJson(checkpoint.state) + "\n");
  if (!status.ok()) return status;
  env->emplace_back("CKWRAP_DONE_FILE", done_path);
  env->emplace_back("CKWRAP_STATE_FILE", state_path);
  return Status::Ok();
}

void ReleaseReplacedResumeFiles(const Directory& dir) {
  (void)::unlinkat(dir.fd(), kReplacedDoneFileName, 0);
}

}  // namespace ckwrap
