#include "query/internal/eval_context.h"

#include "common/time_util.h"

namespace silt::query {

absl::Status EvalContext::Charge(size_t line_bytes) {
  ++entries_scanned;
  bytes_scanned += line_bytes;
  if (entries_scanned > limits.max_entries_scanned) {
    return absl::ResourceExhaustedError(
        "the query would read more than " +
        std::to_string(limits.max_entries_scanned) +
        " entries (max_entries_scanned); narrow the time range or the "
        "stream selector");
  }
  if ((entries_scanned & 4095) == 0 && NowNanos() > deadline_ns) {
    return absl::DeadlineExceededError(
        "query timed out after " + std::to_string(limits.timeout_ms) +
        "ms; narrow the time range or the stream selector");
  }
  return absl::OkStatus();
}

}  // namespace silt::query
