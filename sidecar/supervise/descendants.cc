#include "supervise/descendants.h"

#include <dirent.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace ckwrap {
namespace {

// The parent pid from /proc/PID/stat; the command name (field 2) may hold
// spaces and parentheses, so parse from its last ')'.
pid_t ParentOf(const char* pid) {
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%s/stat", pid);
  FILE* file = std::fopen(path, "re");
  if (file == nullptr) return -1;
  char buffer[512];
  size_t n = std::fread(buffer, 1, sizeof(buffer) - 1, file);
  std::fclose(file);
  buffer[n] = '\0';
  const char* close_paren = std::strrchr(buffer, ')');
  char state = 0;
  int parent = -1;
  if (close_paren == nullptr || std::sscanf(close_paren + 1, " %c %d", &state, &parent) != 2) {
    return -1;
  }
  return parent;
}

}  // namespace

void BecomeSubreaper() {
  if (getpid() != 1) prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

std::vector<pid_t> ListChildren() {
  std::vector<pid_t> children;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return children;
  const pid_t self = getpid();
  while (const dirent* entry = readdir(proc)) {
    if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
    if (ParentOf(entry->d_name) == self) children.push_back(std::atoi(entry->d_name));
  }
  closedir(proc);
  return children;
}

}  // namespace ckwrap
