// Reading and verifying a journal segment: replays its committed batches on
// top of the snapshot it belongs to. Format: journal_format.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/checkpoint.h"

namespace ckwrap {

struct JournalReplay {
  uint64_t valid_bytes = 0;  // end of the last commit that verified
  uint64_t torn_bytes = 0;   // bytes after it: a torn tail, dropped
  uint64_t commits = 0;      // commits applied
  uint64_t records = 0;      // DONE/FAIL/STATE records applied
};

// Applies bytes (the whole journal.<generation>) to *checkpoint, commit by
// commit. A record that fails its checksum, or is cut short, ends the journal
// there if no verifying COMMIT record starts anywhere after it (a torn tail:
// the unsynced end of the last append); if one does, data that was committed
// is damaged and an error names the offset. A failed record's length is never
// used to find the next record. Also an error: a verifying record that does
// not parse, a missing or wrong HEADER (magic, version, generation).
// On error *checkpoint holds the commits before the damage and *replay says
// where they end.
Status ReplayJournal(std::string_view bytes, uint64_t generation, Checkpoint* checkpoint,
                     JournalReplay* replay);

}  // namespace ckwrap
