// JSON rendering of a checkpoint, for `ckwrap inspect --json` and the child's
// CKWRAP_STATE_FILE.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "store/checkpoint.h"

namespace ckwrap {

// A JSON string literal, quotes included, always valid JSON: " and \ are
// backslash-escaped, control characters (< 0x20) become \u00XX, and each byte
// that is not part of well-formed UTF-8 becomes \ufffd (U+FFFD; the byte's
// value is not kept).
std::string JsonString(std::string_view text);

// {"key": "value", ...} for the STATE map.
std::string StateToJson(const std::map<std::string, std::string>& state);

// Every field of the checkpoint; done ids listed only up to max_done_ids
// (with "done_count" always exact).
std::string CheckpointToJson(const Checkpoint& checkpoint, size_t max_done_ids);

}  // namespace ckwrap
