// Evaluates a log query: index lookup, store scan, pipeline, and the
// `limit` newest (backward) or oldest (forward) entries over all streams.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/labels.h"
#include "query/internal/ast.h"
#include "query/internal/eval_context.h"

namespace silt::query {

struct LogEntry {
  int64_t ts_ns = 0;
  std::string line;
  std::string metadata;  // compact JSON object, or empty
};

struct LogStream {
  Labels labels;
  std::vector<LogEntry> entries;  // in the query's direction
};

struct LogQuery {
  int64_t start_ns = 0;  // inclusive
  int64_t end_ns = 0;    // exclusive
  size_t limit = 100;
  bool backward = true;
};

// Streams sorted by their labels; at most `limit` entries in total.
absl::StatusOr<std::vector<LogStream>> EvalLogQuery(const LogExpr& expr,
                                                    const LogQuery& q,
                                                    EvalContext* ctx);

}  // namespace silt::query
