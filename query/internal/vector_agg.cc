// Vector aggregations: sum avg min max count stddev stdvar topk bottomk
// sort sort_desc, per step, grouped by/without labels.
#include <algorithm>
#include <cmath>
#include <map>

#include "query/internal/metric_eval.h"

namespace silt::query {
namespace {

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

MetricResult TopK(const VectorAggExpr& e, const MetricResult& inner) {
  // Per step and group, keep the k highest (lowest) series; they keep their
  // own labels.
  MetricResult r;
  const size_t k = e.param < 1 ? 0 : static_cast<size_t>(e.param);
  std::map<std::pair<Labels, int64_t>, std::vector<std::pair<double, size_t>>>
      groups;
  for (size_t i = 0; i < inner.series.size(); ++i) {
    const Series& s = inner.series[i];
    Labels g = GroupLabels(s.labels, e.grouping);
    for (const Sample& x : s.samples)
      groups[{g, x.ts_ns}].push_back({x.value, i});
  }
  std::vector<Series> out(inner.series.size());
  for (size_t i = 0; i < out.size(); ++i)
    out[i].labels = inner.series[i].labels;
  for (auto& [key, members] : groups) {
    std::stable_sort(members.begin(), members.end(),
                     [&](const auto& a, const auto& b) {
                       return e.op == VectorOp::kTopK ? a.first > b.first
                                                      : a.first < b.first;
                     });
    for (size_t j = 0; j < members.size() && j < k; ++j) {
      out[members[j].second].samples.push_back({key.second, members[j].first});
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

MetricResult Sort(const VectorAggExpr& e, MetricResult inner) {
  const bool desc = e.op == VectorOp::kSortDesc;
  auto first = [](const Series& s) {
    return s.samples.empty() ? NAN : s.samples.front().value;
  };
  std::stable_sort(inner.series.begin(), inner.series.end(),
                   [&](const Series& a, const Series& b) {
                     return desc ? first(a) > first(b) : first(a) < first(b);
                   });
  inner.keep_order = true;
  inner.scalar = false;
  return inner;
}

}  // namespace

absl::StatusOr<MetricResult> EvalVectorAgg(const VectorAggExpr& e,
                                           const Steps& steps,
                                           EvalContext* ctx) {
  auto inner = EvalNode(*e.inner, steps, ctx);
  if (!inner.ok()) return inner.status();
  if (e.op == VectorOp::kTopK || e.op == VectorOp::kBottomK) {
    return TopK(e, *inner);
  }
  if (e.op == VectorOp::kSort || e.op == VectorOp::kSortDesc) {
    return Sort(e, *std::move(inner));
  }
  struct Acc {
    std::vector<double> values;
  };
  std::map<Labels, std::map<int64_t, Acc>> groups;
  for (const Series& s : inner->series) {
    auto& by_ts = groups[GroupLabels(s.labels, e.grouping)];
    for (const Sample& x : s.samples) by_ts[x.ts_ns].values.push_back(x.value);
  }
  MetricResult r;
  for (auto& [labels, by_ts] : groups) {
    Series s;
    s.labels = labels;
    for (const auto& [t, a] : by_ts) {
      const std::vector<double>& v = a.values;
      const double n = static_cast<double>(v.size());
      double sum = 0;
      for (double x : v) sum += x;
      double out = 0;
      switch (e.op) {
        case VectorOp::kSum:
          out = sum;
          break;
        case VectorOp::kAvg:
          out = sum / n;
          break;
        case VectorOp::kMin:
          out = *std::min_element(v.begin(), v.end());
          break;
        case VectorOp::kMax:
          out = *std::max_element(v.begin(), v.end());
          break;
        case VectorOp::kCount:
          out = n;
          break;
        case VectorOp::kStdvar:
        case VectorOp::kStddev: {
          const double mean = sum / n;
          double sq = 0;
          for (double x : v) sq += (x - mean) * (x - mean);
          out = e.op == VectorOp::kStdvar ? sq / n : std::sqrt(sq / n);
          break;
        }
        default:
          break;
      }
      s.samples.push_back({t, out});
    }
    r.series.push_back(std::move(s));
  }
  return r;
}

}  // namespace silt::query
