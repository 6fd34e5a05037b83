// Transitional: the snapshot writer and reader now have their own headers.
// Only supervise/supervisor.cc still includes this one (it uses neither); it
// goes when the supervisor split lands. Include the headers below instead.
#pragma once

#include "store/snapshot_reader.h"
#include "store/snapshot_writer.h"
