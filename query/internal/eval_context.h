// What one query evaluation works against: the index, the store, the
// tenant, and the work budget (entries and bytes scanned, deadline, the
// client still waiting). One per request; shared by the request's scan
// workers, each charging through its own Meter.
#pragma once

#include <atomic>
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
  int64_t deadline_ns = INT64_MAX;               // wall clock (NowNanos)
  const std::atomic<bool>* cancelled = nullptr;  // the client went away

  // Work done so far (reported in the response's stats).
  std::atomic<uint64_t> entries_scanned{0};
  std::atomic<uint64_t> bytes_scanned{0};

  // Scan threads for this query (limits.scan_threads, or one per core).
  int threads() const;
  // kCancelled once the client left, kDeadlineExceeded past the deadline.
  absl::Status CheckDeadline() const;
};

// Counts the entries one worker scans and checks the budget:
// kResourceExhausted past max_entries_scanned or max_bytes_scanned,
// kDeadlineExceeded past the deadline, kCancelled when the client left.
// Counts are published to the context every few thousand entries (and at
// destruction), so workers do not contend on every entry.
class Meter {
 public:
  explicit Meter(EvalContext* ctx) : ctx_(ctx) {}
  ~Meter() { Publish(); }
  Meter(const Meter&) = delete;
  Meter& operator=(const Meter&) = delete;

  absl::Status Charge(size_t line_bytes) { return ChargeMany(1, line_bytes); }
  absl::Status ChargeMany(uint64_t entries, uint64_t bytes) {
    entries_ += entries;
    bytes_ += bytes;
    if (seen_entries_ + entries_ > ctx_->limits.max_entries_scanned ||
        (ctx_->limits.max_bytes_scanned > 0 &&
         seen_bytes_ + bytes_ > ctx_->limits.max_bytes_scanned) ||
        ++since_check_ >= 4096) {
      return Check();
    }
    return absl::OkStatus();
  }

 private:
  void Publish();
  absl::Status Check();

  EvalContext* ctx_;
  uint64_t entries_ = 0, bytes_ = 0;            // not yet published
  uint64_t seen_entries_ = 0, seen_bytes_ = 0;  // published, all workers
  uint32_t since_check_ = 0;
};

}  // namespace silt::query
