// The subcommands, each taking the arguments after its name and returning
// ckwrap's exit status.
#pragma once

#include <string>
#include <vector>

#include "cli/options.h"

namespace ckwrap {

int RunCommand(const std::vector<std::string>& args);      // ckwrap [OPTIONS] -- CMD
int InspectCommand(const std::vector<std::string>& args);  // ckwrap inspect
int ResetCommand(const std::vector<std::string>& args);    // ckwrap reset
int EmitCommand(const std::vector<std::string>& args);     // ckwrap emit
int PendingCommand(const std::vector<std::string>& args);  // ckwrap pending
int WatchCommand(const std::vector<std::string>& args);    // ckwrap watch
int StatusCommand(const std::vector<std::string>& args);   // ckwrap status
// Locks and loads the state directory, then supervises (or watches).
int RunWithOptions(const RunOptions& options);

}  // namespace ckwrap
