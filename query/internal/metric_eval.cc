#include "query/internal/metric_eval.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "query/internal/filter.h"
#include "query/internal/json_out.h"

namespace silt::query {
namespace {

// Evaluation timestamps of one query.
using Steps = std::vector<int64_t>;

MetricResult ScalarOverSteps(double v, const Steps& steps, bool scalar) {
  MetricResult r;
  r.scalar = scalar;
  Series s;
  for (int64_t t : steps) s.samples.push_back({t, v});
  r.series.push_back(std::move(s));
  return r;
}

// count/bytes of one stream's entries in (t - range, t] for every step.
// `ts` and `bytes` are ascending by ts.
void WindowSamples(const RangeAggExpr& e, const Steps& steps,
                   const std::vector<int64_t>& ts,
                   const std::vector<uint64_t>& bytes, Series* out) {
  size_t lo = 0, hi = 0;
  uint64_t window_bytes = 0;
  const double range_s = static_cast<double>(e.range_ns) / 1e9;
  for (int64_t step : steps) {
    int64_t t = step - e.offset_ns;
    while (hi < ts.size() && ts[hi] <= t) window_bytes += bytes[hi++];
    while (lo < hi && ts[lo] <= t - e.range_ns) window_bytes -= bytes[lo++];
    size_t count = hi - lo;
    if (count == 0) continue;
    double v = 0;
    switch (e.op) {
      case RangeOp::kCountOverTime:
        v = static_cast<double>(count);
        break;
      case RangeOp::kRate:
        v = static_cast<double>(count) / range_s;
        break;
      case RangeOp::kBytesOverTime:
        v = static_cast<double>(window_bytes);
        break;
      case RangeOp::kBytesRate:
        v = static_cast<double>(window_bytes) / range_s;
        break;
    }
    out->samples.push_back({step, v});
  }
}

// Streams that end with the same labels (| drop) are one series; every
// range function here is additive over streams, so their samples add.
// REQUIRES: `series` sorted by labels.
void MergeEqualLabels(std::vector<Series>* series) {
  std::vector<Series> out;
  for (Series& s : *series) {
    if (out.empty() || out.back().labels != s.labels) {
      out.push_back(std::move(s));
      continue;
    }
    std::map<int64_t, double> sum;
    for (const Sample& x : out.back().samples) sum[x.ts_ns] += x.value;
    for (const Sample& x : s.samples) sum[x.ts_ns] += x.value;
    out.back().samples.clear();
    for (const auto& [t, v] : sum) out.back().samples.push_back({t, v});
  }
  *series = std::move(out);
}

absl::StatusOr<MetricResult> EvalRange(const RangeAggExpr& e,
                                       const Steps& steps, EvalContext* ctx) {
  MetricResult r;
  std::vector<uint64_t> ids = ctx->index->Match(ctx->tenant, e.log->matchers);
  if (ids.empty() || steps.empty()) return r;
  Pipeline pipeline(e.log->pipeline);

  store::ScanOptions opts;
  opts.tenant = ctx->tenant;
  opts.streams = std::move(ids);
  opts.start_ns = steps.front() - e.offset_ns - e.range_ns + 1;
  opts.end_ns = steps.back() - e.offset_ns + 1;
  opts.backward = false;

  // The store hands out streams one after another: finish each stream's
  // windows when the next begins, so memory holds one stream at a time.
  uint64_t current = 0;
  bool have_current = false;
  std::vector<int64_t> ts;
  std::vector<uint64_t> bytes;
  auto flush = [&] {
    if (!have_current || ts.empty()) return;
    Series s;
    if (auto labels = ctx->index->Get(ctx->tenant, current)) {
      s.labels = pipeline.OutputLabels(*labels);
    }
    WindowSamples(e, steps, ts, bytes, &s);
    if (!s.samples.empty()) r.series.push_back(std::move(s));
    ts.clear();
    bytes.clear();
  };
  absl::Status budget;
  absl::Status st = ctx->store->Scan(
      opts, [&](uint64_t stream, const store::EntryView& entry) {
        if (!budget.ok()) return false;
        budget = ctx->Charge(entry.line.size());
        if (!budget.ok()) return false;
        if (!have_current || stream != current) {
          flush();
          current = stream;
          have_current = true;
        }
        if (pipeline.Keep(entry.line)) {
          ts.push_back(entry.ts_ns);
          bytes.push_back(entry.line.size());
        }
        return true;
      });
  if (!budget.ok()) return budget;
  if (!st.ok()) return st;
  flush();
  std::sort(
      r.series.begin(), r.series.end(),
      [](const Series& a, const Series& b) { return a.labels < b.labels; });
  MergeEqualLabels(&r.series);
  return r;
}

Labels GroupLabels(const Labels& labels, const Grouping& g) {
  Labels out;
  if (!g.present) return out;
  for (const auto& l : labels) {
    bool listed =
        std::find(g.labels.begin(), g.labels.end(), l.first) != g.labels.end();
    if (listed != g.without) out.push_back(l);
  }
  return out;
}

absl::StatusOr<MetricResult> Eval(const Expr& e, const Steps& steps,
                                  EvalContext* ctx);

absl::StatusOr<MetricResult> EvalVectorAgg(const VectorAggExpr& e,
                                           const Steps& steps,
                                           EvalContext* ctx) {
  auto inner = Eval(*e.inner, steps, ctx);
  if (!inner.ok()) return inner.status();
  MetricResult r;
  if (e.op == VectorOp::kTopK || e.op == VectorOp::kBottomK) {
    // Per step and group, keep the k highest (lowest) series; they keep
    // their own labels.
    size_t k = e.param < 1 ? 0 : static_cast<size_t>(e.param);
    std::map<std::pair<Labels, int64_t>, std::vector<std::pair<double, size_t>>>
        groups;
    for (size_t i = 0; i < inner->series.size(); ++i) {
      const Series& s = inner->series[i];
      Labels g = GroupLabels(s.labels, e.grouping);
      for (const Sample& x : s.samples)
        groups[{g, x.ts_ns}].push_back({x.value, i});
    }
    std::vector<Series> out(inner->series.size());
    for (size_t i = 0; i < out.size(); ++i)
      out[i].labels = inner->series[i].labels;
    for (auto& [key, members] : groups) {
      std::sort(members.begin(), members.end(),
                [&](const auto& a, const auto& b) {
                  return e.op == VectorOp::kTopK ? a.first > b.first
                                                 : a.first < b.first;
                });
      for (size_t j = 0; j < members.size() && j < k; ++j) {
        out[members[j].second].samples.push_back(
            {key.second, members[j].first});
      }
    }
    for (Series& s : out) {
      if (s.samples.empty()) continue;
      std::sort(
          s.samples.begin(), s.samples.end(),
          [](const Sample& a, const Sample& b) { return a.ts_ns < b.ts_ns; });
      r.series.push_back(std::move(s));
    }
    return r;
  }
  struct Acc {
    double sum = 0, min = INFINITY, max = -INFINITY;
    uint64_t count = 0;
  };
  std::map<Labels, std::map<int64_t, Acc>> groups;
  for (const Series& s : inner->series) {
    auto& by_ts = groups[GroupLabels(s.labels, e.grouping)];
    for (const Sample& x : s.samples) {
      Acc& a = by_ts[x.ts_ns];
      a.sum += x.value;
      a.min = std::min(a.min, x.value);
      a.max = std::max(a.max, x.value);
      ++a.count;
    }
  }
  for (auto& [labels, by_ts] : groups) {
    Series s;
    s.labels = labels;
    for (const auto& [t, a] : by_ts) {
      double v = 0;
      switch (e.op) {
        case VectorOp::kSum:
          v = a.sum;
          break;
        case VectorOp::kAvg:
          v = a.sum / static_cast<double>(a.count);
          break;
        case VectorOp::kMin:
          v = a.min;
          break;
        case VectorOp::kMax:
          v = a.max;
          break;
        case VectorOp::kCount:
          v = static_cast<double>(a.count);
          break;
        default:
          break;
      }
      s.samples.push_back({t, v});
    }
    r.series.push_back(std::move(s));
  }
  return r;
}

// Arithmetic or comparison on two values. For a comparison without `bool`,
// `keep` says whether the left value survives.
double Apply(BinaryOp op, double a, double b, bool* keep) {
  *keep = true;
  switch (op) {
    case BinaryOp::kAdd:
      return a + b;
    case BinaryOp::kSub:
      return a - b;
    case BinaryOp::kMul:
      return a * b;
    case BinaryOp::kDiv:
      return a / b;
    case BinaryOp::kMod:
      return std::fmod(a, b);
    case BinaryOp::kPow:
      return std::pow(a, b);
    case BinaryOp::kEq:
      *keep = a == b;
      break;
    case BinaryOp::kNe:
      *keep = a != b;
      break;
    case BinaryOp::kGt:
      *keep = a > b;
      break;
    case BinaryOp::kGe:
      *keep = a >= b;
      break;
    case BinaryOp::kLt:
      *keep = a < b;
      break;
    case BinaryOp::kLe:
      *keep = a <= b;
      break;
    default:
      break;
  }
  return *keep ? 1 : 0;
}

// Joins two series by timestamp and applies `op`.
Series Combine(const BinaryExpr& e, const Series& l, const Series& r,
               const Labels& labels, bool lhs_scalar) {
  Series out;
  out.labels = labels;
  size_t i = 0, j = 0;
  while (i < l.samples.size() && j < r.samples.size()) {
    const Sample& a = l.samples[i];
    const Sample& b = r.samples[j];
    if (a.ts_ns < b.ts_ns) {
      ++i;
    } else if (b.ts_ns < a.ts_ns) {
      ++j;
    } else {
      bool keep;
      double v = Apply(e.op, a.value, b.value, &keep);
      if (IsComparison(e.op) && !e.return_bool) {
        // A filter: the vector side's value passes through.
        if (keep)
          out.samples.push_back({a.ts_ns, lhs_scalar ? b.value : a.value});
      } else {
        out.samples.push_back({a.ts_ns, v});
      }
      ++i;
      ++j;
    }
  }
  return out;
}

absl::StatusOr<MetricResult> EvalBinary(const BinaryExpr& e, const Steps& steps,
                                        EvalContext* ctx) {
  auto lhs = Eval(*e.lhs, steps, ctx);
  if (!lhs.ok()) return lhs.status();
  auto rhs = Eval(*e.rhs, steps, ctx);
  if (!rhs.ok()) return rhs.status();
  MetricResult r;
  if (IsSetOp(e.op)) {
    if (lhs->scalar || rhs->scalar) {
      return absl::InvalidArgumentError(
          std::string("set operator \"") + BinaryOpName(e.op) +
          "\" not allowed in binary scalar expression");
    }
    std::map<Labels, std::set<int64_t>> right;
    for (const Series& s : rhs->series) {
      for (const Sample& x : s.samples) right[s.labels].insert(x.ts_ns);
    }
    for (const Series& s : lhs->series) {
      Series out;
      out.labels = s.labels;
      auto it = right.find(s.labels);
      for (const Sample& x : s.samples) {
        bool in_right = it != right.end() && it->second.count(x.ts_ns) > 0;
        if (e.op == BinaryOp::kUnless ? !in_right
                                      : (e.op == BinaryOp::kOr || in_right)) {
          out.samples.push_back(x);
        }
      }
      if (!out.samples.empty()) r.series.push_back(std::move(out));
    }
    if (e.op == BinaryOp::kOr) {
      std::set<Labels> left;
      for (const Series& s : lhs->series) left.insert(s.labels);
      for (const Series& s : rhs->series) {
        if (!left.count(s.labels)) r.series.push_back(s);
      }
    }
  } else if (lhs->scalar && rhs->scalar) {
    r.scalar = true;
    Series s = Combine(e, lhs->series[0], rhs->series[0], {}, false);
    // Scalar comparisons always yield 0/1 (Prometheus requires `bool`).
    if (IsComparison(e.op) && !e.return_bool) {
      BinaryExpr with_bool;
      with_bool.op = e.op;
      with_bool.return_bool = true;
      s = Combine(with_bool, lhs->series[0], rhs->series[0], {}, false);
    }
    r.series.push_back(std::move(s));
  } else if (lhs->scalar || rhs->scalar) {
    const MetricResult& vec = lhs->scalar ? *rhs : *lhs;
    const Series& scalar = lhs->scalar ? lhs->series[0] : rhs->series[0];
    for (const Series& s : vec.series) {
      Series out = lhs->scalar ? Combine(e, scalar, s, s.labels, true)
                               : Combine(e, s, scalar, s.labels, false);
      if (!out.samples.empty()) r.series.push_back(std::move(out));
    }
  } else {
    // One-to-one matching on identical label sets.
    std::map<Labels, const Series*> right;
    for (const Series& s : rhs->series) right[s.labels] = &s;
    for (const Series& s : lhs->series) {
      auto it = right.find(s.labels);
      if (it == right.end()) continue;
      Series out = Combine(e, s, *it->second, s.labels, false);
      if (!out.samples.empty()) r.series.push_back(std::move(out));
    }
  }
  std::sort(
      r.series.begin(), r.series.end(),
      [](const Series& a, const Series& b) { return a.labels < b.labels; });
  return r;
}

absl::StatusOr<MetricResult> Eval(const Expr& e, const Steps& steps,
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

void AppendPoint(std::string* out, int64_t ts_ns, double v) {
  out->push_back('[');
  AppendSampleTime(out, ts_ns);
  out->append(",\"");
  out->append(FormatSampleValue(v));
  out->append("\"]");
}

}  // namespace

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
  return Eval(expr, steps, ctx);
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
