// ckwrap's exit-status contract (man/ckwrap.1, EXIT STATUS). Otherwise ckwrap
// exits with the job's own status, or 128+N when the job died of signal N.
#pragma once

namespace ckwrap {

inline constexpr int kExitInterrupted = 75;       // stopped by SIGTERM/SIGINT; resumable
inline constexpr int kExitGaveUpNoProgress = 76;  // runs in a row committed nothing new
inline constexpr int kExitUsage = 125;            // ckwrap's own error
// Also 125: the forked job's set-up before exec failed (setpgid, dup2). The
// command never ran, so this is ckwrap's failure, not 126's "not executable".
inline constexpr int kExitChildSetupFailed = 125;
inline constexpr int kExitNotExecutable = 126;
inline constexpr int kExitNotFound = 127;
inline constexpr int kExitTerminalInterrupt = 130;  // the job died of the terminal's SIGINT

}  // namespace ckwrap
