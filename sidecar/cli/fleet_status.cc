#include "cli/fleet_status.h"

#include <dirent.h>

#include <algorithm>
#include <iostream>
#include <map>

#include "base/escape.h"
#include "base/json_writer.h"
#include "base/paths.h"
#include "cli/job_status.h"
#include "store/filenames.h"
#include "supervise/status_line.h"

namespace ckwrap {
namespace {

// The states counted in the total, in the order they are printed.
const std::vector<std::string>& CountedStates() {
  static const std::vector<std::string> states = {"running", "stopped", "complete",
                                                  "stuck",   "damaged", "new"};
  return states;
}

// A directory ckwrap has used as a state directory: it holds the lock, the
// last exit status, or a checkpoint generation.
bool IsStateDirectory(const std::string& path) {
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return false;
  bool found = false;
  while (struct dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    FileType type;
    uint64_t generation = 0;
    if (name == LockFileName() || name == LastExitFileName() ||
        (ParseFileName(name, &type, &generation) && type != FileType::kTemp)) {
      found = true;
      break;
    }
  }
  closedir(dir);
  return found;
}

// The sums over the shards; the fleet's rate is its running shards', and its
// ETA the slowest shard's, known only when every unfinished shard runs with
// a known ETA.
struct FleetTotal {
  size_t shards = 0;
  std::map<std::string, size_t> by_state;
  uint64_t done = 0;
  uint64_t failed = 0;
  double rate = -1;
  int64_t eta_s = 0;

  void Add(const JobStatus& s) {
    ++shards;
    ++by_state[s.State()];
    done += s.checkpoint.done.size();
    failed += s.checkpoint.failures.size();
    if (s.supervisor_pid != 0 && s.Rate() >= 0) rate = std::max(rate, 0.0) + s.Rate();
    const int64_t eta = s.EtaSeconds();
    eta_s = eta < 0 || eta_s < 0 ? -1 : std::max(eta_s, eta);
  }
};

std::string RateOrDash(double rate) { return rate >= 0 ? RateText(rate) : "-"; }
std::string EtaOrDash(int64_t eta_s) { return eta_s >= 0 ? DurationText(eta_s) : "-"; }

void PrintShardLine(const JobStatus& s) {
  const Checkpoint& c = s.checkpoint;
  std::cout << Printable(s.dir) << "\t" << s.State() << "\tdone=" << c.done.size()
            << "\tfailed=" << c.failures.size() << "\trate=" << RateOrDash(s.Rate())
            << "\teta=" << EtaOrDash(s.EtaSeconds())
            << "\tposition=" << (s.found && c.has_position ? Printable(c.position) : "-")
            << "\tlast_commit=" << HumanAge(s.AgeMs())
            << (s.supervisor_pid ? "\tpid=" + std::to_string(s.supervisor_pid) : "") << "\n";
}

void PrintTotalLine(const FleetTotal& t) {
  std::cout << "total\tshards=" << t.shards;
  for (const auto& state : CountedStates()) {
    auto it = t.by_state.find(state);
    std::cout << "\t" << state << "=" << (it == t.by_state.end() ? 0 : it->second);
  }
  std::cout << "\tdone=" << t.done << "\tfailed=" << t.failed << "\trate=" << RateOrDash(t.rate)
            << "\teta=" << EtaOrDash(t.eta_s) << "\n";
}

void WriteTotalJson(const FleetTotal& t, JsonWriter* json) {
  json->BeginObject().Key("shards").Number(t.shards);
  for (const auto& state : CountedStates()) {
    auto it = t.by_state.find(state);
    json->Key(state).Number(it == t.by_state.end() ? size_t{0} : it->second);
  }
  json->Key("done").Number(t.done).Key("failed").Number(t.failed).Key("rate");
  if (t.rate >= 0)
    json->Fixed(t.rate, 3);
  else
    json->Null();
  json->Key("eta_s").Number(t.eta_s).EndObject();
}

}  // namespace

std::vector<std::string> SubdirectoryNames(const std::string& root) {
  std::vector<std::string> names;
  if (DIR* dir = opendir(root.c_str())) {
    while (struct dirent* entry = readdir(dir)) {
      std::string name = entry->d_name;
      if (name != "." && name != ".." && IsDirectory(root + "/" + name)) names.push_back(name);
    }
    closedir(dir);
  }
  std::sort(names.begin(), names.end());
  return names;
}

Status ExpandStatusTargets(const std::vector<std::string>& operands, std::vector<std::string>* dirs,
                           bool* fleet) {
  *fleet = operands.size() > 1;
  for (const auto& operand : operands) {
    if (!IsDirectory(operand))
      return Status::Error("state directory " + operand + " does not exist");
    std::vector<std::string> inside;
    if (!IsStateDirectory(operand)) {
      const std::string prefix = operand.back() == '/' ? operand : operand + "/";
      for (const auto& name : SubdirectoryNames(operand)) {
        if (IsStateDirectory(prefix + name)) inside.push_back(prefix + name);
      }
    }
    if (inside.empty()) {
      dirs->push_back(operand);
    } else {
      *fleet = true;
      dirs->insert(dirs->end(), inside.begin(), inside.end());
    }
  }
  return Status::Ok();
}

int PrintFleet(const std::vector<std::string>& dirs, bool json) {
  FleetTotal total;
  JsonWriter out;
  out.BeginObject().Key("jobs").BeginArray();
  int rc = 0;
  for (const auto& dir : dirs) {
    JobStatus s;
    LoadStatus(dir, &s);
    if (!s.damage.empty()) rc = 1;
    total.Add(s);
    if (json) {
      WriteJobJson(s, &out);
    } else {
      PrintShardLine(s);
    }
  }
  if (json) {
    out.EndArray().Key("total");
    WriteTotalJson(total, &out);
    std::cout << out.EndObject().Take() << "\n";
  } else {
    PrintTotalLine(total);
  }
  return rc;
}

}  // namespace ckwrap
