// `ckwrap pending [STATE_DIR] [--field N] [--shard K/N]`: copies stdin to
// stdout, dropping the lines whose id is DONE (and, with --shard, those of
// other shards). The id is the whole line (a trailing '\r'
// ignored) or, with --field N, its Nth field separated by spaces or tabs. The
// done set comes from STATE_DIR's newest verified checkpoint (read-only, safe
// beside a running supervisor), else from $CKWRAP_DONE_FILE, else it is empty
// and every line passes. Streaming: each chunk read is filtered and written
// before the next read, so a slow producer's lines flow on at once.
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "base/log.h"
#include "base/paths.h"
#include "cli/commands.h"
#include "cli/flags.h"
#include "store/checkpoint_store.h"
#include "store/done_set.h"
#include "store/durable_file.h"

namespace ckwrap {
namespace {

constexpr size_t kChunkBytes = 1 << 20;
constexpr size_t kMaxDoneFileBytes = size_t{4} << 30;

struct PendingArgs {
  std::string state_dir;
  size_t field = 0;    // 0: the whole line
  uint64_t shard = 0;  // with shards > 1: keep the ids of this shard only
  uint64_t shards = 1;
};

// The shard of an id among n: XXH3-64 (seed 0) of its bytes, modulo n. The
// same on every machine and every version (xxHash's output is frozen since
// 0.8), so N workers split one input without talking to each other.
uint64_t ShardOf(std::string_view id, uint64_t n) { return XXH3_64bits(id.data(), id.size()) % n; }

Status SetShard(const std::string& flag, const std::string& value, PendingArgs* out) {
  const size_t slash = value.find('/');
  char* end = nullptr;
  errno = 0;
  const unsigned long long k = std::strtoull(value.c_str(), &end, 10);
  const bool k_ok = slash != 0 && end == value.c_str() + slash && value[0] != '-';
  const unsigned long long n =
      slash == std::string::npos ? 0 : std::strtoull(value.c_str() + slash + 1, &end, 10);
  if (!k_ok || slash == std::string::npos || *end != '\0' || errno != 0 || n == 0 || k >= n ||
      value[slash + 1] == '-' || value[slash + 1] == '\0') {
    return Status::Error("invalid value '" + value + "' for " + flag +
                         ": expected K/N with 0 <= K < N, e.g. 0/4");
  }
  out->shard = k;
  out->shards = n;
  return Status::Ok();
}

Status SetField(const std::string& flag, const std::string& value, PendingArgs* out) {
  char* end = nullptr;
  errno = 0;
  unsigned long n = std::strtoul(value.c_str(), &end, 10);
  if (value.empty() || value[0] < '1' || value[0] > '9' || *end != '\0' || errno != 0) {
    return Status::Error("invalid value '" + value + "' for " + flag + ": expected 1, 2, ...");
  }
  out->field = n;
  return Status::Ok();
}

const std::vector<Flag<PendingArgs>>& PendingFlags() {
  static const std::vector<Flag<PendingArgs>> flags = {
      {"--field", nullptr, "N", nullptr,
       "the id is the Nth field (1, 2, ...), fields separated by spaces or tabs", SetField},
      {"--shard", nullptr, "K/N", nullptr,
       "keep only the ids of shard K of N (0 <= K < N): XXH3-64 of the id modulo N", SetShard},
  };
  return flags;
}

constexpr const char* kPendingDetails =
    "The DONE ids come from STATE_DIR's newest verified checkpoint (read-only, safe\n"
    "beside a running job), else from the file $CKWRAP_DONE_FILE names, else there\n"
    "are none. The id is the whole line, a trailing carriage return ignored.\n"
    "With --shard K/N, N workers each given one K split one input between them:\n"
    "together they cover every id exactly once, each about 1/N of them.\n";

// The done ids, from the checkpoint in state_dir or from $CKWRAP_DONE_FILE.
Status LoadDoneSet(const std::string& state_dir, DoneSet* done) {
  if (!state_dir.empty()) {
    // A typo or a missing .ckwrap/ must not pass every id: parallel workers
    // would redo everything.
    if (!IsDirectory(state_dir)) {
      return Status::Error("state directory " + state_dir + " does not exist");
    }
    CheckpointStore store(state_dir);
    LoadedCheckpoint loaded;
    Status status = store.Load(&loaded);
    if (!status.ok()) return status;
    for (const auto& warning : loaded.warnings) LogError("checkpoint rejected: " + warning);
    // A completed job's next run starts fresh: nothing of it counts as done,
    // unless it ran --incremental (its next run skips what is done).
    if (!loaded.found || (loaded.checkpoint.complete && !loaded.checkpoint.keep_done)) {
      return Status::Ok();
    }
    *done = std::move(loaded.checkpoint.done);
    return Status::Ok();
  }
  const char* path = std::getenv("CKWRAP_DONE_FILE");
  if (path == nullptr || *path == '\0') return Status::Ok();
  std::string storage;
  Status status = ReadWholeFile(path, kMaxDoneFileBytes, &storage);
  if (!status.ok()) return status;
  std::string_view rest(storage);
  done->reserve(rest.size() / 16);
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    std::string_view id = rest.substr(0, nl);
    if (!id.empty()) done->insert(id);
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  return Status::Ok();
}

// The id of a line (no '\n'): the line without a trailing '\r', or its field.
std::string_view IdOf(std::string_view line, size_t field) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (field == 0) return line;
  size_t pos = 0;
  for (size_t n = 1;; ++n) {
    pos = line.find_first_not_of(" \t", pos);
    if (pos == std::string_view::npos) return {};
    size_t end = line.find_first_of(" \t", pos);
    if (n == field) return line.substr(pos, end == std::string_view::npos ? end : end - pos);
    if (end == std::string_view::npos) return {};
    pos = end;
  }
}

class Filter {
 public:
  Filter(const DoneSet& done, const PendingArgs& args)
      : done_(done), field_(args.field), shard_(args.shard), shards_(args.shards) {}

  // Appends to out the lines of data that are not done; keeps a partial last line.
  void Feed(std::string_view data, std::string* out) {
    while (!data.empty()) {
      size_t nl = data.find('\n');
      if (nl == std::string_view::npos) {
        partial_.append(data);
        return;
      }
      if (partial_.empty()) {
        Emit(data.substr(0, nl + 1), out);
      } else {
        partial_.append(data.substr(0, nl + 1));
        Emit(partial_, out);
        partial_.clear();
      }
      data.remove_prefix(nl + 1);
    }
  }

  // End of input: a last line without '\n' is filtered and copied as it is.
  void Finish(std::string* out) {
    if (!partial_.empty()) Emit(partial_, out);
    partial_.clear();
  }

 private:
  void Emit(std::string_view line_with_nl, std::string* out) {
    std::string_view line = line_with_nl;
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    const std::string_view id = IdOf(line, field_);
    if (shards_ > 1 && ShardOf(id, shards_) != shard_) return;
    if (!done_.contains(id)) out->append(line_with_nl);
  }

  const DoneSet& done_;
  size_t field_;
  uint64_t shard_;
  uint64_t shards_;
  std::string partial_;
};

bool WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

int PendingCommand(const Subcommand& self, const std::vector<std::string>& args) {
  PendingArgs parsed;
  std::vector<std::string> operands;
  auto settled = ParseSubcommandArgs(self, PendingFlags(), args, Operands::kAnywhere, 1, &parsed,
                                     &operands, kPendingDetails);
  if (settled) return *settled;
  if (!operands.empty()) parsed.state_dir = operands[0];
  DoneSet done;
  Status status = LoadDoneSet(parsed.state_dir, &done);
  if (!status.ok()) {
    LogError("pending: " + status.message());
    return kExitUsage;
  }
  Filter filter(done, parsed);
  std::string in(kChunkBytes, '\0');
  std::string out;
  out.reserve(kChunkBytes + 4096);
  for (;;) {
    ssize_t n = read(STDIN_FILENO, in.data(), in.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      LogError(std::string("pending: cannot read stdin: ") + strerror(errno));
      return 1;
    }
    if (n == 0) break;
    filter.Feed(std::string_view(in.data(), static_cast<size_t>(n)), &out);
    if (!WriteAll(STDOUT_FILENO, out)) {
      if (errno == EPIPE) return 0;  // the reader is gone (head, a stopped xargs)
      LogError(std::string("pending: cannot write stdout: ") + strerror(errno));
      return 1;
    }
    out.clear();
  }
  filter.Finish(&out);
  if (!WriteAll(STDOUT_FILENO, out) && errno != EPIPE) {
    LogError(std::string("pending: cannot write stdout: ") + strerror(errno));
    return 1;
  }
  return 0;
}

}  // namespace ckwrap
