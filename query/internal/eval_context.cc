#include "query/internal/eval_context.h"

#include <thread>

#include "common/time_util.h"

namespace silt::query {

int EvalContext::threads() const {
  if (limits.scan_threads > 0) return limits.scan_threads;
  return std::max(1u, std::thread::hardware_concurrency());
}

absl::Status EvalContext::CheckDeadline() const {
  if (cancelled != nullptr && cancelled->load()) {
    return absl::CancelledError("the client closed the connection");
  }
  if (NowNanos() > deadline_ns) {
    return absl::DeadlineExceededError(
        "query timed out after " + std::to_string(limits.timeout_ms) +
        "ms (query_timeout); narrow the time range or the stream selector");
  }
  return absl::OkStatus();
}

void Meter::Publish() {
  if (entries_ == 0 && bytes_ == 0) return;
  seen_entries_ = ctx_->entries_scanned.fetch_add(entries_) + entries_;
  seen_bytes_ = ctx_->bytes_scanned.fetch_add(bytes_) + bytes_;
  entries_ = bytes_ = 0;
}

absl::Status Meter::Check() {
  since_check_ = 0;
  Publish();
  const QueryLimits& l = ctx_->limits;
  if (seen_entries_ > l.max_entries_scanned) {
    return absl::ResourceExhaustedError(
        "the query would read more than " +
        std::to_string(l.max_entries_scanned) +
        " entries (max_query_entries_scanned); narrow the time range or the "
        "stream selector");
  }
  if (l.max_bytes_scanned > 0 && seen_bytes_ > l.max_bytes_scanned) {
    return absl::ResourceExhaustedError(
        "the query would read more than " +
        std::to_string(l.max_bytes_scanned) +
        " bytes of log lines (max_query_bytes_scanned); narrow the time "
        "range, the stream selector, or add a line filter");
  }
  return ctx_->CheckDeadline();
}

}  // namespace silt::query
