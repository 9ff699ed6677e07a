#include "query/internal/metric_eval.h"

#include <algorithm>
#include <cmath>

#include "query/internal/json_out.h"

namespace silt::query {
namespace {

MetricResult ScalarOverSteps(double v, const Steps& steps, bool scalar) {
  MetricResult r;
  r.scalar = scalar;
  Series s;
  for (int64_t t : steps) s.samples.push_back({t, v});
  r.series.push_back(std::move(s));
  return r;
}

void AppendPoint(std::string* out, int64_t ts_ns, double v) {
  out->push_back('[');
  AppendSampleTime(out, ts_ns);
  out->append(",\"");
  out->append(FormatSampleValue(v));
  out->append("\"]");
}

}  // namespace

void SortByLabels(std::vector<Series>* series) {
  std::sort(
      series->begin(), series->end(),
      [](const Series& a, const Series& b) { return a.labels < b.labels; });
}

absl::StatusOr<MetricResult> EvalNode(const Expr& e, const Steps& steps,
                                      EvalContext* ctx) {
  switch (e.kind) {
    case Expr::Kind::kRangeAgg:
      return EvalRange(static_cast<const RangeAggExpr&>(e), steps, ctx);
    case Expr::Kind::kVectorAgg:
      return EvalVectorAgg(static_cast<const VectorAggExpr&>(e), steps, ctx);
    case Expr::Kind::kBinary:
      return EvalBinary(static_cast<const BinaryExpr&>(e), steps, ctx);
    case Expr::Kind::kLiteral:
      return ScalarOverSteps(static_cast<const LiteralExpr&>(e).value, steps,
                             true);
    case Expr::Kind::kVector:
      return ScalarOverSteps(static_cast<const VectorExpr&>(e).value, steps,
                             false);
    case Expr::Kind::kLog:
      break;
  }
  return absl::InvalidArgumentError(
      "a log query cannot be used where a metric query is expected");
}

absl::StatusOr<MetricResult> EvalMetric(const Expr& expr, int64_t start_ns,
                                        int64_t end_ns, int64_t step_ns,
                                        EvalContext* ctx) {
  Steps steps;
  for (int64_t t = start_ns; t <= end_ns; t += step_ns) {
    steps.push_back(t);
    if (steps.size() > 11000) {
      return absl::InvalidArgumentError(
          "exceeded maximum resolution of 11,000 points per timeseries. Try "
          "decreasing the query resolution (?step=XX)");
    }
  }
  return EvalNode(expr, steps, ctx);
}

std::string MatrixBody(const MetricResult& r, const QueryStats& stats) {
  std::string out =
      "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":"
      "[";
  bool first = true;
  for (const Series& s : r.series) {
    if (s.samples.empty()) continue;
    if (!first) out += ',';
    first = false;
    out += "{\"metric\":";
    AppendLabelsObject(&out, s.labels);
    out += ",\"values\":[";
    for (size_t i = 0; i < s.samples.size(); ++i) {
      if (i > 0) out += ',';
      AppendPoint(&out, s.samples[i].ts_ns, s.samples[i].value);
    }
    out += "]}";
  }
  out += "],";
  AppendStats(&out, stats);
  out += "}}";
  return out;
}

std::string VectorBody(const MetricResult& r, int64_t ts_ns,
                       const QueryStats& stats) {
  std::string out = "{\"status\":\"success\",\"data\":{\"resultType\":";
  if (r.scalar) {
    out += "\"scalar\",\"result\":";
    double v = r.series.empty() || r.series[0].samples.empty()
                   ? NAN
                   : r.series[0].samples[0].value;
    AppendPoint(&out, ts_ns, v);
  } else {
    out += "\"vector\",\"result\":[";
    bool first = true;
    for (const Series& s : r.series) {
      if (s.samples.empty()) continue;
      if (!first) out += ',';
      first = false;
      out += "{\"metric\":";
      AppendLabelsObject(&out, s.labels);
      out += ",\"value\":";
      AppendPoint(&out, s.samples[0].ts_ns, s.samples[0].value);
      out += '}';
    }
    out += ']';
  }
  out += ',';
  AppendStats(&out, stats);
  out += "}}";
  return out;
}

}  // namespace silt::query
