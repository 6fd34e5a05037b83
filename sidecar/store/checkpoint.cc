#include "store/checkpoint.h"

namespace ckwrap {

bool Checkpoint::operator==(const Checkpoint& o) const {
  return has_position == o.has_position && position == o.position && done == o.done &&
         failures == o.failures && state == o.state && records == o.records &&
         attempts == o.attempts && restarts == o.restarts && created_unix_ms == o.created_unix_ms &&
         updated_unix_ms == o.updated_unix_ms && command_fingerprint == o.command_fingerprint &&
         complete == o.complete && progress_done == o.progress_done &&
         progress_total == o.progress_total && progress_file == o.progress_file &&
         outputs == o.outputs && inputs == o.inputs && keep_done == o.keep_done &&
         command == o.command;
}

}  // namespace ckwrap
