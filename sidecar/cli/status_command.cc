// ckwrap status: where a job is, for people and scripts. Reads the newest
// verified checkpoint exactly as a resuming run would and asks the lock file
// whether a supervisor holds the directory; never takes the lock itself.
#include <ctime>
#include <iostream>

#include "base/escape.h"
#include "base/json_writer.h"
#include "base/log.h"
#include "cli/commands.h"
#include "cli/fleet_status.h"
#include "cli/job_status.h"
#include "cli/report_args.h"

namespace ckwrap {
namespace {

constexpr const char* kStatusDetails =
    "--field F is one of state, position, done, failed, progress, attempts,\n"
    "restarts, complete, last_commit_unix_ms, last_commit_age_ms or supervisor_pid.\n"
    "It never takes the state directory's lock.\n";

std::string IsoTime(int64_t unix_ms) {
  if (unix_ms <= 0) return "";
  time_t seconds = static_cast<time_t>(unix_ms / 1000);
  struct tm tm {};
  gmtime_r(&seconds, &tm);
  char buffer[32];
  strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

std::string ToJson(const JobStatus& s) {
  JsonWriter json;
  WriteJobJson(s, &json);
  return json.Take();
}

// replica: URL, the last commit uploaded, what waits; and trouble, if any.
void PrintReplica(const JobStatus& s) {
  const ReplicaStatus& r = s.replica;
  std::cout << "replica: " << Printable(r.url) << "\nreplica uploaded: ";
  if (r.uploaded_commit_unix_ms > 0) {
    std::cout << "the commit of " << IsoTime(r.uploaded_commit_unix_ms);
  } else {
    std::cout << "nothing yet";
  }
  std::cout << "\nreplica pending: " << s.replica_pending_bytes << " bytes";
  if (s.replica_pending_bytes > 0) std::cout << " (" << HumanAge(s.ReplicaLagMs()) << " behind)";
  std::cout << "\n";
  if (r.fenced) std::cout << "replica fenced: " << Printable(r.last_error) << "\n";
  if (!r.fenced && !r.last_error.empty())
    std::cout << "replica error: " << Printable(r.last_error) << "\n";
}

void PrintText(const JobStatus& s) {
  const Checkpoint& c = s.checkpoint;
  std::cout << "dir: " << Printable(s.dir) << "\nstate: " << s.State();
  if (s.supervisor_pid != 0) std::cout << " (supervisor pid " << s.supervisor_pid << ")";
  if (!s.damage.empty()) std::cout << "\nerror: " << PrintableLines(s.damage);
  std::cout << "\nposition: " << (s.found && c.has_position ? Printable(c.position) : "(none)")
            << "\ndone: " << c.done.size() << "\nfailed: " << c.failures.size();
  if (c.progress_total || c.progress_done) {
    std::cout << "\nprogress: " << c.progress_done;
    if (c.progress_total) std::cout << "/" << c.progress_total;
  }
  std::cout << "\nattempts: " << c.attempts << "\nrestarts: " << c.restarts
            << "\ncomplete: " << (c.complete ? "yes" : "no") << "\nlast commit: ";
  if (s.found && c.updated_unix_ms > 0) {
    std::cout << IsoTime(c.updated_unix_ms) << " (" << HumanAge(s.AgeMs()) << " ago)";
  } else {
    std::cout << "never";
  }
  std::cout << "\n";
  if (s.has_replica) PrintReplica(s);
}

// One bare value for scripts; false for an unknown field name.
bool PrintField(const JobStatus& s, const std::string& name) {
  const Checkpoint& c = s.checkpoint;
  if (name == "state") {
    std::cout << s.State() << "\n";
  } else if (name == "position") {
    if (s.found && c.has_position) std::cout << c.position << "\n";
  } else if (name == "done") {
    std::cout << c.done.size() << "\n";
  } else if (name == "failed") {
    std::cout << c.failures.size() << "\n";
  } else if (name == "attempts") {
    std::cout << c.attempts << "\n";
  } else if (name == "restarts") {
    std::cout << c.restarts << "\n";
  } else if (name == "complete") {
    std::cout << (c.complete ? "yes" : "no") << "\n";
  } else if (name == "last_commit_unix_ms") {
    std::cout << (s.found ? c.updated_unix_ms : 0) << "\n";
  } else if (name == "last_commit_age_ms") {
    std::cout << s.AgeMs() << "\n";
  } else if (name == "supervisor_pid") {
    std::cout << s.supervisor_pid << "\n";
  } else if (name == "progress") {
    std::cout << c.progress_done << "/" << c.progress_total << "\n";
  } else {
    return false;
  }
  return true;
}

// The jobs under .ckwrap/, one line each (or a JSON array).
int ListJobs(bool json) {
  const std::string root = ".ckwrap";
  std::vector<std::string> names = SubdirectoryNames(root);
  if (json) std::cout << "[";
  bool first = true;
  int rc = 0;
  for (const auto& name : names) {
    JobStatus s;
    LoadStatus(root + "/" + name, &s);
    if (!s.damage.empty()) rc = 1;
    if (json) {
      std::cout << (first ? "" : ",") << ToJson(s);
    } else {
      const Checkpoint& c = s.checkpoint;
      std::cout << Printable(name) << "\t" << s.State()
                << "\tposition=" << (s.found && c.has_position ? Printable(c.position) : "-")
                << "\tdone=" << c.done.size() << "\tfailed=" << c.failures.size()
                << "\trestarts=" << c.restarts << "\tlast_commit=" << HumanAge(s.AgeMs())
                << (s.supervisor_pid ? "\tpid=" + std::to_string(s.supervisor_pid) : "") << "\n";
    }
    first = false;
  }
  if (json) std::cout << "]\n";
  if (!json && names.empty()) LogInfo("no jobs under .ckwrap/");
  return rc;
}

}  // namespace

int StatusCommand(const Subcommand& self, const std::vector<std::string>& args) {
  ReportArgs parsed;
  if (auto ended = ParseReportCommand(self, args, /*allow_name=*/true, kStatusDetails, &parsed)) {
    return *ended;
  }
  const std::string& dir = parsed.target;
  const std::string& field = parsed.field;
  const bool json = parsed.json;
  if (dir.empty()) {
    if (!field.empty()) return UsageError(self, "--field needs a STATE_DIR or --name");
    return ListJobs(json);
  }
  std::vector<std::string> dirs;
  bool fleet = false;
  Status expanded = ExpandStatusTargets(parsed.targets, &dirs, &fleet);
  if (!expanded.ok()) {
    LogError(expanded.message());
    return 1;
  }
  if (fleet) {
    if (!field.empty()) return UsageError(self, "--field needs one state directory");
    return PrintFleet(dirs, json);
  }
  JobStatus s;
  LoadStatus(dir, &s);
  const int rc = s.damage.empty() ? 0 : 1;
  if (!field.empty()) {
    if (PrintField(s, field)) return rc;
    LogError("unknown --field '" + field +
             "' (state, position, done, failed, progress, attempts, restarts, complete, "
             "last_commit_unix_ms, last_commit_age_ms or supervisor_pid)");
    return kExitUsage;
  }
  if (json) {
    std::cout << ToJson(s) << "\n";
  } else {
    PrintText(s);
  }
  return rc;
}

}  // namespace ckwrap
