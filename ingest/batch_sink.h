// Where sources hand their batches: the pipeline, or a fake in tests.
#pragma once

#include <functional>

#include "absl/status/status.h"
#include "common/record_batch.h"

namespace silt::ingest {

// Takes ownership of a batch and calls `done` exactly once, from any thread,
// when its entries are durable (OK) or could not be stored (error).
using BatchSink = std::function<void(RecordBatch&& batch,
                                     std::function<void(absl::Status)> done)>;

}  // namespace silt::ingest
