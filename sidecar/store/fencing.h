// Fencing: a stale writer of a state directory stops rather than roll
// progress back or mix it with a newer writer's, even where locks do not keep
// writers apart (shared storage across machines; man/ckwrap-checkpoint.5,
// FENCING). The generation is the epoch: every generation file is created
// exclusively, and a writer that finds a generation newer than its own stops
// without writing, naming the writer recorded in that generation's snapshot.
#pragma once

#include <cstdint>

#include "base/status.h"
#include "store/checkpoint.h"
#include "store/directory.h"

namespace ckwrap {

// This process: its host name and pid, recorded in every snapshot it writes.
WriterId ThisWriter();

// The Conflict a writer at generation own gets once generation newer exists:
// names newer's snapshot file and its writer (pid and host) when it can be
// read, and says this writer stops without writing.
Status FencedBy(const Directory& dir, uint64_t newer, uint64_t own);

// Before each journal append of generation own, whose journal is open as
// journal_fd (-1 if not created yet): a Conflict if the next generation's
// snapshot exists, or if the journal was removed (a newer writer pruned it).
// Two cheap metadata calls (faccessat, fstat), no directory listing.
// *journal_removed says which: the caller then lists to name the writer.
Status CheckJournalNotFenced(const Directory& dir, uint64_t own, int journal_fd,
                             bool* journal_removed);

}  // namespace ckwrap
