// LD_PRELOAD shim for test_sync_durability.sh: counts the syncs that make a
// commit durable, without test hooks in the product. Every fsync/fdatasync
// that succeeds on a file directly inside CKWRAP_TEST_SYNC_DIR (an absolute,
// symlink-free path: the state directory) whose name starts with "journal."
// or "checkpoint." (or ".tmp.checkpoint.", a snapshot before its rename) is
// counted, after the real call returned, and the counts are published in
// CKWRAP_TEST_SYNC_COUNTS as one line "JOURNAL SNAPSHOT", replaced by a
// rename so a reader never sees half of it. The file is written before the
// sync call returns to ckwrap: a job that got an acknowledgement reads a count
// that includes the sync behind it. The job's processes load the library too
// but never sync a file in the state directory, so only ckwrap counts. Built
// without the sanitizers.
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
unsigned long journal_syncs = 0;
unsigned long snapshot_syncs = 0;

bool StartsWith(const char* text, const char* prefix) {
  return std::strncmp(text, prefix, std::strlen(prefix)) == 0;
}

// 1 for a journal, 2 for a snapshot, 0 for anything else.
int Kind(int fd) {
  const char* dir = getenv("CKWRAP_TEST_SYNC_DIR");
  if (dir == nullptr || *dir == '\0') return 0;
  char link[64];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  char path[4096];
  const ssize_t n = readlink(link, path, sizeof path - 1);
  if (n <= 0) return 0;
  path[n] = '\0';
  const size_t dir_length = std::strlen(dir);
  if (std::strncmp(path, dir, dir_length) != 0 || path[dir_length] != '/') return 0;
  const char* name = path + dir_length + 1;
  if (std::strchr(name, '/') != nullptr) return 0;
  if (StartsWith(name, "journal.")) return 1;
  if (StartsWith(name, "checkpoint.") || StartsWith(name, ".tmp.checkpoint.")) return 2;
  return 0;
}

void Publish() {
  const char* counts = getenv("CKWRAP_TEST_SYNC_COUNTS");
  if (counts == nullptr || *counts == '\0') return;
  char tmp[4096];
  std::snprintf(tmp, sizeof tmp, "%s.tmp", counts);
  const int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  char line[64];
  const int length = std::snprintf(line, sizeof line, "%lu %lu\n", journal_syncs, snapshot_syncs);
  const bool written = write(fd, line, static_cast<size_t>(length)) == length;
  close(fd);
  if (written) rename(tmp, counts);
}

void Count(int fd, int result) {
  if (result != 0) return;
  const int kind = Kind(fd);
  if (kind == 0) return;
  pthread_mutex_lock(&mutex);
  ++(kind == 1 ? journal_syncs : snapshot_syncs);
  Publish();
  pthread_mutex_unlock(&mutex);
}

template <typename Fn>
Fn Real(const char* name) {
  return reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" int fsync(int fd) {
  static auto real = Real<int (*)(int)>("fsync");
  const int result = real(fd);
  const int saved = errno;
  Count(fd, result);
  errno = saved;
  return result;
}

extern "C" int fdatasync(int fd) {
  static auto real = Real<int (*)(int)>("fdatasync");
  const int result = real(fd);
  const int saved = errno;
  Count(fd, result);
  errno = saved;
  return result;
}
