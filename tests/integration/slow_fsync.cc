// LD_PRELOAD shim for test_backpressure.sh: a disk that falls behind the
// job, without test hooks in the product. The disk stalls when it is first
// synced: every fsync/fdatasync in the CKWRAP_TEST_FSYNC_STALL_MS that
// follow the process's first one waits for the stall's end, then calls the
// real one. When CKWRAP_TEST_FSYNC_STALLED names a file, the stall creates
// it (the test's proof that the library was loaded). Built without the
// sanitizers: the job's processes load it too.
#include <dlfcn.h>
#include <pthread.h>
#include <time.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {

pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
bool stalled = false;
timespec stall_end{};

void WaitForDisk() {
  pthread_mutex_lock(&mutex);
  if (!stalled) {
    stalled = true;
    const char* ms_text = getenv("CKWRAP_TEST_FSYNC_STALL_MS");
    const uint64_t ms = ms_text == nullptr ? 0 : strtoull(ms_text, nullptr, 10);
    clock_gettime(CLOCK_MONOTONIC, &stall_end);
    stall_end.tv_sec += static_cast<time_t>(ms / 1000);
    stall_end.tv_nsec += static_cast<long>(ms % 1000) * 1000000;
    if (stall_end.tv_nsec >= 1000000000) {
      stall_end.tv_sec++;
      stall_end.tv_nsec -= 1000000000;
    }
    if (const char* marker = getenv("CKWRAP_TEST_FSYNC_STALLED")) {
      if (FILE* f = fopen(marker, "w")) fclose(f);
    }
  }
  const timespec end = stall_end;
  pthread_mutex_unlock(&mutex);
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &end, nullptr) == EINTR) {
  }
}

template <typename Fn>
Fn Real(const char* name) {
  return reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" int fsync(int fd) {
  static auto real = Real<int (*)(int)>("fsync");
  const int saved = errno;
  WaitForDisk();
  errno = saved;
  return real(fd);
}

extern "C" int fdatasync(int fd) {
  static auto real = Real<int (*)(int)>("fdatasync");
  const int saved = errno;
  WaitForDisk();
  errno = saved;
  return real(fd);
}
