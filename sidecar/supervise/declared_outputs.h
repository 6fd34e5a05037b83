// Declared outputs (--output, OUTPUT records) and input fingerprints
// (--input): what makes a resumed run append exactly once and refuse to
// resume against changed input. The contract is in man/ckwrap.1.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "store/checkpoint.h"

namespace ckwrap {

// Bytes at the end of an output covered by its tail hash.
inline constexpr uint64_t kOutputTailBytes = 4096;

// The file's current size (0 when it does not exist yet).
Status OutputSize(const std::string& path, uint64_t* size);

// XXH3-64 of the file's bytes [size - min(size, 4096), size).
Status OutputTailHash(const std::string& path, uint64_t size, uint64_t* hash);

// Before a relaunch or a resumed start: truncates each output back to its
// recorded size, durably. A file that is shorter than recorded, or whose
// bytes before that size no longer hash to the recorded tail, is not touched:
// the error names the file and what differs.
Status RestoreOutputs(const std::vector<OutputFile>& outputs);

// Size, mtime and XXH3-64 of each --input file.
Status FingerprintInputs(const std::vector<std::string>& paths, std::vector<InputFile>* out);

// "" when the recorded fingerprints match the current ones; else one line per
// difference ("input data.csv: size 120 -> 131, content changed").
std::string DescribeInputChanges(const std::vector<InputFile>& recorded,
                                 const std::vector<InputFile>& current);

}  // namespace ckwrap
