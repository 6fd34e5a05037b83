#include <iostream>

#include "base/escape.h"
#include "base/json_writer.h"
#include "base/log.h"
#include "base/paths.h"
#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/report_args.h"
#include "store/checkpoint_format.h"
#include "store/checkpoint_json.h"
#include "store/checkpoint_store.h"
#include "store/durable_file.h"
#include "store/filenames.h"
#include "store/journal_format.h"
#include "store/snapshot_reader.h"
#include "store/state_lock.h"
#include "supervise/launch.h"
#include "supervise/resume_files.h"

namespace ckwrap {
namespace {

constexpr size_t kMaxDoneIdsShown = 1000;

constexpr const char* kInspectDetails =
    "A state directory is read as a resuming run reads it: its newest generation\n"
    "that verifies. --field NAME is one of position, complete or records.\n";

// A journal holds the commits after a snapshot, not a checkpoint: its first
// record is a HEADER whose payload starts with the journal's magic.
bool IsJournal(std::string_view bytes) {
  const size_t at = journal_format::kRecordHeaderBytes + journal_format::kHeaderMagicOffset;
  const std::string_view magic(journal_format::kMagic, sizeof journal_format::kMagic);
  return bytes.size() >= at + magic.size() && bytes.substr(at, magic.size()) == magic;
}

std::string JournalMessage(const std::string& target) {
  const size_t slash = target.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : target.substr(0, slash);
  return target +
         " is a journal (the commits after a snapshot), not a checkpoint: inspect the state "
         "directory, which applies it to its snapshot: ckwrap inspect " +
         dir;
}

// A file is decoded on its own; a state directory through the store, exactly
// as a resuming run would (newest generation that verifies).
Status LoadForInspect(const std::string& target, Checkpoint* checkpoint, std::string* path,
                      std::string* journal) {
  if (!IsDirectory(target)) {
    std::string bytes;
    Status status = ReadWholeFile(target, checkpoint_format::kMaxFileBytes, &bytes);
    if (!status.ok()) return status;
    *path = target;
    if (IsJournal(bytes)) return Status::Error(JournalMessage(target));
    status = DecodeCheckpoint(bytes, checkpoint);
    return status.ok() ? status : Status::Error(target + ": " + status.message());
  }
  CheckpointStore store(target);
  LoadedCheckpoint loaded;
  Status status = store.Load(&loaded);
  if (!status.ok()) return status;
  for (const auto& warning : loaded.warnings) LogError("checkpoint rejected: " + warning);
  if (!loaded.found) return Status::Error("no checkpoint in " + target);
  *checkpoint = loaded.checkpoint;
  *path = loaded.path;
  if (!loaded.journal_path.empty()) {
    *journal = loaded.journal_path + " (" + std::to_string(loaded.journal_commits) + " commits, " +
               std::to_string(loaded.journal_bytes) + " bytes";
    if (loaded.journal_torn_bytes > 0) {
      *journal += ", torn tail of " + std::to_string(loaded.journal_torn_bytes) + " bytes ignored";
    }
    *journal += ")";
  }
  return Status::Ok();
}

// Every string from the job or the filesystem goes through Printable: the
// text is for a terminal (--json and --field are for programs, unescaped).
void PrintText(const Checkpoint& c, const std::string& path, const std::string& journal) {
  std::cout << "file: " << Printable(path) << " (verified)\n";
  if (!journal.empty()) std::cout << "journal: " << Printable(journal) << " (verified)\n";
  std::cout << "position: " << (c.has_position ? Printable(c.position) : "(none)") << "\n"
            << "done: " << c.done.size() << "\n"
            << "failed: " << c.failures.size() << "\n";
  for (const auto& failure : c.failures) {
    std::cout << "  " << Printable(failure.id) << (failure.reason.empty() ? "" : ": ")
              << Printable(failure.reason);
    if (failure.count > 1) std::cout << " (" << failure.count << " times)";
    std::cout << "\n";
  }
  std::cout << "state: " << c.state.size() << " keys\n";
  for (const auto& [key, value] : c.state) {
    std::cout << "  " << Printable(key) << " = " << Printable(value) << "\n";
  }
  std::cout << "progress: " << c.progress_done;
  if (c.progress_total) std::cout << "/" << c.progress_total;
  std::cout << "\nrecords: " << c.records << "\nattempts: " << c.attempts
            << "\nrestarts: " << c.restarts << "\ncomplete: " << (c.complete ? "yes" : "no")
            << "\ncreated_unix_ms: " << c.created_unix_ms
            << "\nupdated_unix_ms: " << c.updated_unix_ms << "\n";
  if (c.progress_file.valid()) {
    std::cout << "progress_file: device " << c.progress_file.dev << " inode " << c.progress_file.ino
              << " offset " << c.progress_file.offset << "\n";
  }
  for (const auto& f : c.outputs) {
    std::cout << "output: " << Printable(f.path) << " " << f.size << " bytes\n";
  }
  for (const auto& f : c.inputs) {
    std::cout << "input: " << Printable(f.path) << " " << f.size << " bytes\n";
  }
  if (c.keep_done) std::cout << "incremental: yes\n";
  if (!c.command.empty()) std::cout << "command: " << Printable(DescribeArgv(c.command)) << "\n";
}

// One field, bare, for scripts (a sidecar's main container reading where to
// resume): "position" (nothing when there is none), "complete" (yes/no),
// "records". False for an unknown name.
bool PrintField(const Checkpoint& c, const std::string& name) {
  if (name == "position") {
    if (c.has_position) std::cout << c.position << "\n";
  } else if (name == "complete") {
    std::cout << (c.complete ? "yes" : "no") << "\n";
  } else if (name == "records") {
    std::cout << c.records << "\n";
  } else {
    return false;
  }
  return true;
}

}  // namespace

int InspectCommand(const Subcommand& self, const std::vector<std::string>& args) {
  ReportArgs parsed;
  if (auto ended = ParseReportCommand(self, args, /*allow_name=*/false, kInspectDetails, &parsed)) {
    return *ended;
  }
  if (parsed.target.empty()) return UsageError(self, "no FILE or STATE_DIR given");
  const std::string& target = parsed.target;
  const std::string& field = parsed.field;
  const bool json = parsed.json;
  Checkpoint checkpoint;
  std::string path;
  std::string journal;
  Status status = LoadForInspect(target, &checkpoint, &path, &journal);
  if (!status.ok()) {
    LogError(status.message());
    return 1;
  }
  if (!field.empty()) {
    if (PrintField(checkpoint, field)) return 0;
    LogError("unknown --field '" + field + "' (position, complete or records)");
    return kExitUsage;
  }
  if (json) {
    JsonWriter out;
    out.BeginObject().Key("file").String(path).Key("checkpoint");
    WriteCheckpointJson(checkpoint, kMaxDoneIdsShown, &out);
    std::cout << out.EndObject().text() << "\n";
  } else {
    PrintText(checkpoint, path, journal);
  }
  return 0;
}

int ResetCommand(const Subcommand& self, const std::vector<std::string>& args) {
  NoFlags none;
  std::vector<std::string> operands;
  auto settled = ParseSubcommandArgs(self, {}, args, Operands::kAnywhere, 1, &none, &operands);
  if (settled) return *settled;
  if (operands.empty()) return UsageError(self, "no STATE_DIR given");
  const std::string& dir = operands[0];
  if (!IsDirectory(dir)) {
    LogError("state directory " + dir + " does not exist");
    return kExitUsage;
  }
  StateLock lock;
  Directory opened;
  Status status = OpenStateDir(dir, &opened);
  if (status.ok()) status = lock.Acquire(opened);
  // done.txt and state.json were written from the progress now forgotten, and
  // last_exit tells how that progress ended.
  if (status.ok())
    status =
        CheckpointStore(std::move(opened))
            .Reset({kDoneFileName, kStateFileName, LastExitFileName(), ReplicaStatusFileName()});
  if (!status.ok()) {
    LogError(status.message());
    return kExitUsage;
  }
  LogInfo("progress in " + dir + " forgotten");
  return 0;
}

}  // namespace ckwrap
