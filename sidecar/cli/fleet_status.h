// `ckwrap status DIR...`: one view of many shards (man/ckwrap.1, ckwrap
// status): a line per state directory and a total, or with --json
// {"jobs": [...], "total": {...}}.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace ckwrap {

// The names of root's subdirectories, sorted; none when root cannot be read.
std::vector<std::string> SubdirectoryNames(const std::string& root);

// The state directories the operands name: each operand that is a state
// directory itself (it holds a lock, checkpoint or journal file), else the
// state directories directly inside it (a shared volume with one per shard),
// else the operand (an empty directory, reported as new). *fleet is set when
// there are several operands or one was such a volume. A missing operand is
// an error naming it.
Status ExpandStatusTargets(const std::vector<std::string>& operands, std::vector<std::string>* dirs,
                           bool* fleet);

// Prints the view of dirs; 1 when a shard is damaged, else 0.
int PrintFleet(const std::vector<std::string>& dirs, bool json);

}  // namespace ckwrap
