// Loki's query HTTP API over the index and the store: parameter parsing
// (Loki's time formats and defaults), LogQL evaluation and Loki's JSON
// response shapes. Transport-free: the server routes requests here.
// Thread-safe (the engine holds only const pointers).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "index/stream_index.h"
#include "store/store.h"

namespace silt::query {

using Params = std::multimap<std::string, std::string>;

struct Answer {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// Per-query bounds; past each the query answers 400 naming the limit.
struct QueryLimits {
  size_t max_limit = 5000;                  // largest `limit` accepted
  size_t max_entries_scanned = 50'000'000;  // entries read
  uint64_t max_bytes_scanned = 0;           // line bytes read (0: no limit)
  int64_t timeout_ms = 60'000;
  int scan_threads = 0;  // threads one metric query scans with (0: cores)
};

class LokiApi {
 public:
  LokiApi(const index::StreamIndex* index, const store::Store* store,
          QueryLimits limits = {});

  // `now_ns` is the clock for defaults (end = now, start = end - 1h for
  // queries, 6h for labels/series); tests pass a fixed value. A query
  // stops (answering 499) soon after *cancelled turns true.
  Answer QueryRange(std::string_view tenant, const Params& params,
                    int64_t now_ns,
                    const std::atomic<bool>* cancelled = nullptr) const;
  Answer Query(std::string_view tenant, const Params& params, int64_t now_ns,
               const std::atomic<bool>* cancelled = nullptr) const;
  // GET /api/v1/trace/<id>[?start=&end=]: every entry of the trace in the
  // tenant's streams, in time order (query/trace_api.cc). start/end default
  // to all time.
  Answer Trace(std::string_view tenant, std::string_view trace_id,
               const Params& params,
               const std::atomic<bool>* cancelled = nullptr) const;
  Answer Labels(std::string_view tenant, const Params& params,
                int64_t now_ns) const;
  Answer LabelValues(std::string_view tenant, std::string_view name,
                     const Params& params, int64_t now_ns) const;
  Answer Series(std::string_view tenant, const Params& params,
                int64_t now_ns) const;
  Answer IndexStats(std::string_view tenant, const Params& params,
                    int64_t now_ns) const;

 private:
  const index::StreamIndex* index_;
  const store::Store* store_;
  QueryLimits limits_;
};

}  // namespace silt::query
