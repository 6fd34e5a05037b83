// ckwrap's own messages on stderr: "ckwrap: MESSAGE" lines, or with
// --log-format json one JSON object per line
// ({"ts_ms":...,"level":"info","msg":"..."}).
#pragma once

#include <string>

namespace ckwrap {

void SetQuiet(bool quiet);
void SetVerbose(bool verbose);
void SetLogJson(bool json);
// Progress notes (relaunches, fallbacks): silenced by --quiet.
void LogInfo(const std::string& message);
// Details (each launch's command line, commits): only with --verbose.
void LogVerbose(const std::string& message);
// Warnings and errors: always shown.
void LogError(const std::string& message);
// The plain status line (status_line.h); json_fields is a JSON object added
// as "status" in the json format. Silenced by --quiet.
void LogStatus(const std::string& message, const std::string& json_fields);

}  // namespace ckwrap
