// ckwrap_bench: the commit path measured below the supervisor, for
// scripts/bench. Not a test: it prints one JSON object per run.
//
//   ckwrap_bench journal DIR IDS COMMITS RECORDS   the supervisor's commit work
//       (RECORDS new DONE ids into the done set and DONES records, a COMMIT
//       record, append, fdatasync) with IDS ids already done; also times the
//       snapshot (compaction) of IDS ids
//   ckwrap_bench scaling DIR COMMITS RECORDS IDS...  the journal commit with
//       each number of ids done, commits interleaved round-robin
//   ckwrap_bench versus-raw DIR IDS COMMITS RECORDS  the same, each commit
//       followed by a raw append of the same bytes to a file kept open, and
//       fdatasync: the floor, under the same noise
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "store/checkpoint_store.h"
#include "store/journal_writer.h"

namespace {

using Clock = std::chrono::steady_clock;

double Micros(Clock::time_point since) {
  return std::chrono::duration<double, std::micro>(Clock::now() - since).count();
}

void Die(const std::string& what) {
  std::fprintf(stderr, "ckwrap_bench: %s\n", what.c_str());
  std::exit(1);
}

void PrintStats(std::vector<double> us, const char* extra, const char* end = "}\n") {
  std::sort(us.begin(), us.end());
  double sum = 0;
  for (double u : us) sum += u;
  auto at = [&](double q) {
    return us[std::min(us.size() - 1, static_cast<size_t>(q * us.size()))];
  };
  std::printf("{\"p50_us\":%.1f,\"p99_us\":%.1f,\"mean_us\":%.1f,\"n\":%zu%s%s", at(0.5), at(0.99),
              sum / us.size(), us.size(), extra, end);
}

// The floor of a journal commit: the same bytes appended to a file kept open,
// then fdatasync (what a commit must do at least; no encoding, no done set).
double RawAppend(int fd, const std::string& data) {
  auto start = Clock::now();
  if (write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size())) Die("write");
  if (fdatasync(fd) != 0) Die("fdatasync");
  return Micros(start);
}

int64_t NowUnixMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// One journal commit of `records` new DONE ids, made the way the supervisor
// makes it (Supervisor::FlushDoneBatch, then StartCommit): the ids into the
// done set in one batch, those it did not hold into DONES records, then the
// COMMIT record, appended with one write and fdatasync. Returns the bytes.
std::string JournalCommit(ckwrap::CheckpointStore& store, ckwrap::Checkpoint* checkpoint,
                          uint64_t* next, uint64_t records) {
  std::vector<std::string> received;  // the DONE lines' ids, as read from fd 3
  received.reserve(records);
  for (uint64_t r = 0; r < records; ++r) received.push_back("item-" + std::to_string((*next)++));
  std::vector<std::string_view> ids(received.begin(), received.end());
  std::unique_ptr<bool[]> added(new bool[ids.size()]);
  checkpoint->done.InsertBatch(ids.data(), ids.size(), added.get());
  size_t kept = 0;  // set semantics: only a new id is journaled
  for (size_t i = 0; i < ids.size(); ++i) {
    if (added[i]) ids[kept++] = ids[i];
  }
  ids.resize(kept);
  std::string batch;
  ckwrap::AppendJournalDones(&batch, ids);
  checkpoint->records += records;
  checkpoint->updated_unix_ms = NowUnixMs();
  ckwrap::AppendJournalCommit(&batch, *checkpoint);
  ckwrap::Status status = store.AppendJournal(batch, true);
  if (!status.ok()) Die(status.message());
  return batch;
}

// With raw, each journal commit is followed by a raw append + fdatasync of the
// same bytes, so both see the same disk and the same neighbours.
int Journal(const std::string& dir, uint64_t ids, uint64_t commits, uint64_t records, bool raw) {
  ckwrap::Checkpoint checkpoint;
  checkpoint.done.reserve(ids + commits * records);
  for (uint64_t i = 0; i < ids; ++i) checkpoint.done.insert("item-" + std::to_string(i));
  ckwrap::CheckpointStore store(dir);
  ckwrap::LoadedCheckpoint loaded;
  if (!store.Load(&loaded).ok()) Die("load " + dir);
  auto start = Clock::now();
  ckwrap::Status status = store.Commit(checkpoint);
  double snapshot_us = Micros(start);
  if (!status.ok()) Die(status.message());
  std::vector<double> us, raw_us;
  const std::string raw_path = dir + "/raw.dat";
  const int raw_fd =
      raw ? open(raw_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600) : -1;
  if (raw && raw_fd < 0) Die("open " + raw_path);
  uint64_t next = ids;
  uint64_t journal_bytes = 0;
  for (uint64_t c = 0; c < commits; ++c) {
    start = Clock::now();
    std::string batch = JournalCommit(store, &checkpoint, &next, records);
    us.push_back(Micros(start));
    journal_bytes += batch.size();
    if (raw) raw_us.push_back(RawAppend(raw_fd, batch));
  }
  if (raw_fd >= 0) close(raw_fd);
  if (raw) {
    std::printf("{\"raw\":");
    PrintStats(raw_us, "", "},\"journal\":");
  }
  // Compaction comes after max(8 MiB, snapshot) of journal: its cost spread over
  // the commits that fill that journal.
  double per_commit_bytes = static_cast<double>(journal_bytes) / commits;
  const uint64_t snapshot_bytes = store.snapshot_bytes();
  double compact_every = std::max<double>(8 << 20, snapshot_bytes) / per_commit_bytes;
  char extra[256];
  std::snprintf(extra, sizeof extra,
                ",\"snapshot_us\":%.1f,\"snapshot_bytes\":%zu,\"amortized_compaction_us\":%.1f",
                snapshot_us, static_cast<size_t>(snapshot_bytes), snapshot_us / compact_every);
  PrintStats(us, extra, raw ? "}}\n" : "}\n");
  return 0;
}

// One store per size, their commits interleaved round-robin so that every size
// sees the same disk weather; prints one JSON object per size.
int Scaling(const std::string& dir, uint64_t commits, uint64_t records,
            const std::vector<uint64_t>& sizes) {
  struct Subject {
    uint64_t ids;
    ckwrap::Checkpoint checkpoint;
    std::unique_ptr<ckwrap::CheckpointStore> store;
    std::vector<double> us;
    double snapshot_us = 0;
    size_t snapshot_bytes = 0;
    uint64_t next = 0;
    uint64_t journal_bytes = 0;
  };
  std::vector<Subject> subjects(sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) {
    Subject& s = subjects[i];
    s.ids = s.next = sizes[i];
    s.checkpoint.done.reserve(s.ids + commits * records);
    for (uint64_t id = 0; id < s.ids; ++id) s.checkpoint.done.insert("item-" + std::to_string(id));
    std::string sub = dir + "/" + std::to_string(s.ids);
    if (mkdir(sub.c_str(), 0700) != 0) Die("mkdir " + sub);
    s.store = std::make_unique<ckwrap::CheckpointStore>(sub);
    auto start = Clock::now();
    if (!s.store->Commit(s.checkpoint).ok()) Die("snapshot");
    s.snapshot_us = Micros(start);
    s.snapshot_bytes = s.store->snapshot_bytes();
  }
  for (uint64_t c = 0; c < commits; ++c) {
    for (Subject& s : subjects) {
      auto start = Clock::now();
      std::string batch = JournalCommit(*s.store, &s.checkpoint, &s.next, records);
      s.us.push_back(Micros(start));
      s.journal_bytes += batch.size();
    }
  }
  for (Subject& s : subjects) {
    double per_commit_bytes = static_cast<double>(s.journal_bytes) / commits;
    double compact_every = std::max<double>(8 << 20, s.snapshot_bytes) / per_commit_bytes;
    char extra[256];
    std::snprintf(extra, sizeof extra,
                  ",\"ids\":%llu,\"snapshot_us\":%.1f,\"snapshot_bytes\":%zu,"
                  "\"amortized_compaction_us\":%.1f",
                  static_cast<unsigned long long>(s.ids), s.snapshot_us, s.snapshot_bytes,
                  s.snapshot_us / compact_every);
    PrintStats(s.us, extra);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 5 && (args[0] == "journal" || args[0] == "versus-raw")) {
    return Journal(args[1], std::stoull(args[2]), std::stoull(args[3]), std::stoull(args[4]),
                   args[0] == "versus-raw");
  }
  if (args.size() >= 5 && args[0] == "scaling") {
    std::vector<uint64_t> sizes;
    for (size_t i = 4; i < args.size(); ++i) sizes.push_back(std::stoull(args[i]));
    return Scaling(args[1], std::stoull(args[2]), std::stoull(args[3]), sizes);
  }
  std::fprintf(stderr,
               "usage: ckwrap_bench journal|versus-raw DIR IDS COMMITS RECORDS\n"
               "       ckwrap_bench scaling DIR COMMITS RECORDS IDS...\n");
  return 2;
}
