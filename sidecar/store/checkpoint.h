// What ckwrap knows about a job's progress: the payload of a checkpoint file.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "store/done_set.h"
#include "store/failure_list.h"

namespace ckwrap {

// Where reading of a --progress-file stopped: the file's identity and the
// offset just past the last line applied. head_hash is XXH3-64 of the file's
// first min(offset, 4096) bytes, telling a re-created file that reused the
// inode number from the one read before.
struct FileCursor {
  uint64_t dev = 0;
  uint64_t ino = 0;
  uint64_t offset = 0;
  uint64_t head_hash = 0;
  bool valid() const { return ino != 0; }
  bool operator==(const FileCursor& o) const {
    return dev == o.dev && ino == o.ino && offset == o.offset && head_hash == o.head_hash;
  }
};

// A declared output (--output, OUTPUT record): its size when the last
// committed CKPT/DONE record was read, and XXH3-64 of its last
// min(size, 4096) bytes. A resumed run truncates the file back to size.
struct OutputFile {
  std::string path;  // absolute
  uint64_t size = 0;
  uint64_t tail_hash = 0;
  bool operator==(const OutputFile& o) const {
    return path == o.path && size == o.size && tail_hash == o.tail_hash;
  }
};

// A declared input (--input) when the run started: a resume against a
// changed input is refused (man/ckwrap.1, --resume-anyway).
struct InputFile {
  std::string path;  // as given
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t hash = 0;  // XXH3-64 of the whole file
  bool operator==(const InputFile& o) const {
    return path == o.path && size == o.size && mtime_ns == o.mtime_ns && hash == o.hash;
  }
};

// Who published a snapshot: named to a stale writer that a newer generation
// fences out (man/ckwrap-checkpoint.5, FENCING). Empty (pid 0) in snapshots
// of earlier releases and in a checkpoint not loaded from a file.
struct WriterId {
  std::string host;
  uint64_t pid = 0;
};

struct Checkpoint {
  // The last CKPT position, verbatim; handed back as --resume-from.
  bool has_position = false;
  std::string position;
  // DONE ids (set semantics): a DONE costs O(1), and a later journal appends
  // only the ids new since the last commit.
  DoneSet done;
  FailureList failures;  // one entry per id
  std::map<std::string, std::string> state;
  uint64_t records = 0;   // protocol records accepted, over all attempts
  uint64_t attempts = 0;  // launches of the child
  uint64_t restarts = 0;  // relaunches after a failure
  int64_t created_unix_ms = 0;
  int64_t updated_unix_ms = 0;
  uint64_t command_fingerprint = 0;  // XXH3-64 of the command line
  bool complete = false;             // the job succeeded (or said COMPLETE)
  // Last PROGRESS record, for display only.
  uint64_t progress_done = 0;
  uint64_t progress_total = 0;
  // --progress-file / ckwrap watch; invalid when no file is followed.
  FileCursor progress_file;
  std::vector<OutputFile> outputs;  // --output, OUTPUT records
  std::vector<InputFile> inputs;    // --input fingerprints
  bool keep_done = false;           // --incremental: the DONE set outlives completion
  // The command line of the run that made (or last resumed) the checkpoint,
  // shown when a later run's differs; empty in checkpoints of earlier releases.
  std::vector<std::string> command;
  // Set by the store when it writes a snapshot, read back by Load. Not part
  // of the job's state: operator== ignores it.
  WriterId writer;

  bool operator==(const Checkpoint& o) const;
};

}  // namespace ckwrap
