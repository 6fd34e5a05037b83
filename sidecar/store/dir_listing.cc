#include "store/dir_listing.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <functional>

#include "store/filenames.h"

namespace ckwrap {

uint64_t DirListing::newest() const {
  uint64_t newest = generations.empty() ? 0 : generations.front();
  for (uint64_t journal : journals) newest = std::max(newest, journal);
  return newest;
}

Status ListDir(const Directory& dir, DirListing* listing) {
  int fd = ::openat(dir.fd(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* d = fd < 0 ? nullptr : ::fdopendir(fd);
  if (d == nullptr) {
    Status status = Status::FromErrno("open directory", dir.path(), errno);
    if (fd >= 0) ::close(fd);
    return status;
  }
  errno = 0;
  while (const dirent* entry = ::readdir(d)) {
    FileType type;
    uint64_t generation = 0;
    if (!ParseFileName(entry->d_name, &type, &generation)) continue;
    switch (type) {
      case FileType::kSnapshot:
        listing->generations.push_back(generation);
        break;
      case FileType::kJournal:
        listing->journals.push_back(generation);
        break;
      case FileType::kTemp:
        listing->temp_files.push_back(entry->d_name);
        break;
    }
  }
  int err = errno;  // readdir returns nullptr both at the end and on error
  ::closedir(d);
  if (err != 0) return Status::FromErrno("read directory", dir.path(), err);
  std::sort(listing->generations.begin(), listing->generations.end(), std::greater<>());
  return Status::Ok();
}

uint64_t NewestSnapshotAbove(const DirListing& listing, uint64_t own) {
  if (!listing.generations.empty() && listing.generations.front() > own) {
    return listing.generations.front();
  }
  return listing.newest() > own ? listing.newest() : 0;
}

}  // namespace ckwrap
