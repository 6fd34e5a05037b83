#include "supervise/descendants.h"

#include <dirent.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

namespace ckwrap {
namespace {

struct ProcStat {
  pid_t parent = -1;
  char state = 0;
};

// The parent pid and state from /proc/PID/stat; the command name (field 2)
// may hold spaces and parentheses, so parse from its last ')'.
bool ReadStat(pid_t pid, ProcStat* out) {
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%d/stat", static_cast<int>(pid));
  FILE* file = std::fopen(path, "re");
  if (file == nullptr) return false;
  char buffer[512];
  size_t n = std::fread(buffer, 1, sizeof(buffer) - 1, file);
  std::fclose(file);
  buffer[n] = '\0';
  const char* close_paren = std::strrchr(buffer, ')');
  int parent = -1;
  if (close_paren == nullptr || std::sscanf(close_paren + 1, " %c %d", &out->state, &parent) != 2) {
    return false;
  }
  out->parent = parent;
  return true;
}

// Whether this process has a child, live or a zombie, without reaping it
// (WNOWAIT: its status is the reaper's). A descendant's chain of parents
// reaches this process through one of its children, so with none there is
// no descendant, and /proc (about 10 us a process) need not be read: after
// a job that leaves nothing behind, the common case of every relaunch.
bool HasChildren() {
  siginfo_t info{};
  constexpr int kAnyChange = WEXITED | WSTOPPED | WCONTINUED;
  return waitid(P_ALL, 0, &info, kAnyChange | WNOHANG | WNOWAIT) == 0 || errno != ECHILD;
}

}  // namespace

void BecomeSubreaper() {
  if (getpid() != 1) prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

std::vector<pid_t> ListDescendants() {
  if (!HasChildren()) return {};
  std::unordered_multimap<pid_t, std::pair<pid_t, char>> children;  // parent -> (pid, state)
  if (DIR* proc = opendir("/proc")) {
    while (const dirent* entry = readdir(proc)) {
      if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
      const pid_t pid = std::atoi(entry->d_name);
      ProcStat stat;
      if (ReadStat(pid, &stat)) children.emplace(stat.parent, std::make_pair(pid, stat.state));
    }
    closedir(proc);
  }
  // Breadth first from ckwrap: a zombie is not listed (it is dead), but a
  // live process under it would be (a zombie has no children).
  std::vector<pid_t> found;
  std::vector<pid_t> frontier = {getpid()};
  while (!frontier.empty()) {
    const pid_t parent = frontier.back();
    frontier.pop_back();
    auto [begin, end] = children.equal_range(parent);
    for (auto it = begin; it != end; ++it) {
      if (it->second.second == 'Z') continue;
      found.push_back(it->second.first);
      frontier.push_back(it->second.first);
    }
  }
  return found;
}

bool CatchesSignal(pid_t pid, int signum) {
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%d/status", static_cast<int>(pid));
  FILE* file = std::fopen(path, "re");
  if (file == nullptr) return false;
  char line[256];
  unsigned long long caught = 0;
  bool found = false;
  while (!found && std::fgets(line, sizeof(line), file) != nullptr) {
    found = std::sscanf(line, "SigCgt: %llx", &caught) == 1;
  }
  std::fclose(file);
  return found && signum >= 1 && signum <= 64 && (caught >> (signum - 1)) & 1;
}

}  // namespace ckwrap
