// Wall-clock time in milliseconds since the Unix epoch: what checkpoints
// store (created/updated), what --events and --log-format json stamp, and
// what `ckwrap status` measures a checkpoint's age against.
#pragma once

#include <cstdint>

namespace ckwrap {

// CLOCK_REALTIME, so it can step (NTP, a manual change); intervals measured
// with it can come out negative or too long.
int64_t NowUnixMs();

}  // namespace ckwrap
