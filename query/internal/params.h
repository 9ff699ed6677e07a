// Loki's request parameters: time bounds (start/end/since with Loki's
// defaults), limit, direction, step. Errors are kInvalidArgument with the
// message the client sees.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "query/loki_api.h"

namespace silt::query {

// First value of `name`, or nullptr when absent or empty.
const std::string* GetParam(const Params& params, const char* name);

// `name` in any of Loki's time formats, or `dflt` when absent; the error
// names the parameter.
absl::StatusOr<int64_t> TimeParam(const Params& params, const char* name,
                                  int64_t dflt);

struct TimeBounds {
  int64_t start_ns = 0;
  int64_t end_ns = 0;
};

// end = `end` or now; start = `start`, else min(end, now) - (`since` or
// `default_since_ns`). REQUIRES nothing; errors name the bad parameter.
absl::StatusOr<TimeBounds> ParseBounds(const Params& params, int64_t now_ns,
                                       int64_t default_since_ns);

absl::StatusOr<size_t> ParseLimit(const Params& params, size_t max_limit);

// true for backward (the default).
absl::StatusOr<bool> ParseBackward(const Params& params);

// `step` as a duration or float seconds; default as Loki:
// max(1s, (end - start) / 250) rounded down to whole seconds.
absl::StatusOr<int64_t> ParseStep(const Params& params,
                                  const TimeBounds& bounds);

}  // namespace silt::query
