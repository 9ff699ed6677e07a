// Evaluates a metric query over evaluation timestamps start, start+step,
// ..., end (an instant query is start == end). Range aggregations
// (range_eval.cc) read each selected stream once; vector aggregations
// (vector_agg.cc) and binary operations (binary_eval.cc) work on the
// per-step samples.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "common/labels.h"
#include "query/internal/ast.h"
#include "query/internal/eval_context.h"
#include "query/internal/json_out.h"

namespace silt::query {

struct Sample {
  int64_t ts_ns = 0;
  double value = 0;
};

struct Series {
  Labels labels;
  std::vector<Sample> samples;  // ascending ts, at most one per step
};

struct MetricResult {
  bool scalar = false;         // a literal / scalar expression: one series
  std::vector<Series> series;  // sorted by labels unless keep_order
  bool keep_order = false;     // sort()/sort_desc(): by value
};

// Evaluation timestamps of one query.
using Steps = std::vector<int64_t>;

// REQUIRES: expr.IsMetric(), step_ns > 0, start_ns <= end_ns.
absl::StatusOr<MetricResult> EvalMetric(const Expr& expr, int64_t start_ns,
                                        int64_t end_ns, int64_t step_ns,
                                        EvalContext* ctx);

// One node of the tree over `steps` (the pieces call it for their
// children).
absl::StatusOr<MetricResult> EvalNode(const Expr& e, const Steps& steps,
                                      EvalContext* ctx);
absl::StatusOr<MetricResult> EvalRange(const RangeAggExpr& e,
                                       const Steps& steps, EvalContext* ctx);
absl::StatusOr<MetricResult> EvalVectorAgg(const VectorAggExpr& e,
                                           const Steps& steps,
                                           EvalContext* ctx);
absl::StatusOr<MetricResult> EvalBinary(const BinaryExpr& e, const Steps& steps,
                                        EvalContext* ctx);

void SortByLabels(std::vector<Series>* series);

// Matrix / vector / scalar bodies in Loki's shape.
std::string MatrixBody(const MetricResult& r, const QueryStats& stats);
std::string VectorBody(const MetricResult& r, int64_t ts_ns,
                       const QueryStats& stats);

}  // namespace silt::query
