// JSON rendering of a checkpoint, for `ckwrap inspect --json` and the child's
// CKWRAP_STATE_FILE.
#pragma once

#include <map>
#include <string>

#include "base/json_writer.h"
#include "store/checkpoint.h"

namespace ckwrap {

// {"key":"value",...} for the STATE map, in key order.
void WriteStateJson(const std::map<std::string, std::string>& state, JsonWriter* json);
std::string StateToJson(const std::map<std::string, std::string>& state);

// Every field of the checkpoint; done ids listed only up to max_done_ids
// (with "done_count" always exact).
void WriteCheckpointJson(const Checkpoint& checkpoint, size_t max_done_ids, JsonWriter* json);
std::string CheckpointToJson(const Checkpoint& checkpoint, size_t max_done_ids);

}  // namespace ckwrap
