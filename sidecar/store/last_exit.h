// STATE_DIR/last_exit: the exit status of the last supervisor that finished
// with this directory, for `ckwrap status` to tell a job that gave up (76,
// "stuck") from one that was stopped (75). Display data, like done.txt: not
// part of the checkpoint, replaced atomically and not synced.
#pragma once

#include <string>

#include "store/directory.h"

namespace ckwrap {

// Writes "<code>\n"; a failure is logged, never fatal (the exit still stands).
void RecordLastExit(const Directory& dir, int exit_code);
// Removes it when a supervisor takes the directory: a run that is killed
// before it finishes must not leave an older run's verdict behind.
void ForgetLastExit(const Directory& dir);
// The recorded status for the state directory at path, or -1 when there is
// none or it does not read as a number.
int ReadLastExit(const std::string& path);

}  // namespace ckwrap
