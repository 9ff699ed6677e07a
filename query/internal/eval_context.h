// What one query evaluation works against: the index, the store, the
// tenant, and the work budget (entries scanned, deadline). One per request;
// not shared between threads.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "index/stream_index.h"
#include "query/loki_api.h"
#include "store/store.h"

namespace silt::query {

struct EvalContext {
  const index::StreamIndex* index = nullptr;
  const store::Store* store = nullptr;
  std::string tenant;
  QueryLimits limits;
  int64_t deadline_ns = INT64_MAX;  // wall clock (NowNanos)

  // Work done so far (reported in the response's stats).
  uint64_t entries_scanned = 0;
  uint64_t bytes_scanned = 0;

  // Counts one scanned entry. Returns kResourceExhausted past
  // max_entries_scanned and kDeadlineExceeded past the deadline (checked
  // every few thousand entries).
  absl::Status Charge(size_t line_bytes);
};

}  // namespace silt::query
