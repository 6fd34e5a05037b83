// The names of the files in a state directory, formatted and parsed in one
// place (man/ckwrap-checkpoint.5, FILE NAMES AND GENERATIONS, JOURNAL and
// WRITING). After leveldb's db/filename.h. Names only: callers join them to
// the directory.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ckwrap {

// "checkpoint." and 20 zero-padded decimal digits: generation's snapshot.
std::string SnapshotFileName(uint64_t generation);
// "journal." and the same 20 digits: the commits after that snapshot.
std::string JournalFileName(uint64_t generation);
// ".tmp.<name>.<pid>.<sequence>": DurableReplace's temp file for name, unique
// per process and call. Never the newest state: Load's caller removes them.
std::string TempFileName(const std::string& name, pid_t pid, uint64_t sequence);
// "<name>.rejected": a generation set aside for a human, out of Load's sight.
std::string RejectedFileName(const std::string& name);
// "lock": StateLock's flock file, holding the holder's pid.
std::string LockFileName();
// "last_exit": the last finished supervisor's exit status (store/last_exit.h).
std::string LastExitFileName();
// "replica": what --replicate has uploaded, for `status` (store/replica_status.h).
std::string ReplicaStatusFileName();

// Exactly digits decimal digits whose value fits in a u64 (the numbers in
// file and object names).
bool ParseFixedDigits(std::string_view text, size_t digits, uint64_t* value);

// The kinds of name Load and Reset act on; every other name is left alone.
enum class FileType { kSnapshot, kJournal, kTemp };

// True if name is one of FileType's; *generation is set for a snapshot or a
// journal (exactly 20 digits that fit in a u64, nothing after them).
bool ParseFileName(std::string_view name, FileType* type, uint64_t* generation);

}  // namespace ckwrap
