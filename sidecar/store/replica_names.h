// Where a state directory's replica lives in an object store (--replicate
// s3://BUCKET/PREFIX) and the names of its objects (man/ckwrap-checkpoint.5,
// REPLICATION), formatted and parsed in one place, as store/filenames does
// for the local files:
//   PREFIX/checkpoint.<20 digits>             a snapshot, the local file's bytes
//   PREFIX/journal.<20 digits>.<10 digits>    the journal's pieces, numbered
//                                             from 1; each is whole commits, and
//                                             in order they are the journal
// Every object is created once (If-None-Match: *) and never changed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace ckwrap {

struct ReplicaLocation {
  std::string bucket;
  std::string prefix;  // "" or ends with '/'
  std::string Url() const { return "s3://" + bucket + "/" + prefix; }
};

// s3://BUCKET[/PREFIX]: an error naming the value and what is wrong.
Status ParseReplicaUrl(std::string_view url, ReplicaLocation* out);

std::string ReplicaSnapshotKey(const ReplicaLocation& at, uint64_t generation);
// The piece of journal.<generation> numbered sequence (from 1).
std::string ReplicaJournalKey(const ReplicaLocation& at, uint64_t generation, uint64_t sequence);

enum class ReplicaObject { kSnapshot, kJournalPiece };

// True if key is one of the names above under at.prefix; sets *generation,
// and *sequence for a journal piece.
bool ParseReplicaKey(const ReplicaLocation& at, std::string_view key, ReplicaObject* type,
                     uint64_t* generation, uint64_t* sequence);

}  // namespace ckwrap
