// Loki's live tail (GET /loki/api/v1/tail, a websocket) for one log query:
// the entries already stored in [start, now) come first, then each newly
// appended entry that matches, as Loki's tail messages:
//   {"streams":[{"stream":{...},"values":[["<ns>","line"]]}],
//    "dropped_entries":[]}
// Transport-free: the server owns the websocket and the store
// subscription and feeds batches to Match(). Thread-safe after Create.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/labels.h"
#include "common/record_batch.h"
#include "index/stream_index.h"
#include "query/loki_api.h"
#include "store/store.h"

namespace silt::query {

struct TailEntry {
  Labels labels;  // after the pipeline
  int64_t ts_ns = 0;
  std::string line;
};

class Tail {
 public:
  // `query` must be a log query (kInvalidArgument with Loki's parse error
  // otherwise).
  static absl::StatusOr<std::unique_ptr<Tail>> Create(std::string_view tenant,
                                                      std::string_view query);
  ~Tail();

  // The newest `limit` stored entries in [start_ns, end_ns), oldest first.
  absl::StatusOr<std::vector<TailEntry>> History(
      const index::StreamIndex* index, const store::Store* store,
      int64_t start_ns, int64_t end_ns, size_t limit) const;

  // Appends the entries of a just-appended batch that the query selects.
  void Match(const RecordBatch& batch, std::vector<TailEntry>* out) const;

 private:
  struct Rep;
  explicit Tail(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

// One tail message; entries grouped into streams by labels.
std::string TailMessage(const std::vector<TailEntry>& entries,
                        size_t dropped = 0);

}  // namespace silt::query
