// Range aggregations: count_over_time, rate, bytes_*, and the unwrapped
// *_over_time functions, over windows (t - offset - range, t - offset] for
// every evaluation timestamp t.
#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "query/internal/label_filter_eval.h"
#include "query/internal/metric_eval.h"
#include "query/internal/pipeline.h"
#include "query/internal/scan.h"
#include "query/internal/units.h"

namespace silt::query {
namespace {

struct Point {
  int64_t ts;
  double v;
};

bool Additive(const RangeAggExpr& e) {
  return !e.unwrap &&
         (e.op == RangeOp::kCountOverTime || e.op == RangeOp::kRate ||
          e.op == RangeOp::kBytesOverTime || e.op == RangeOp::kBytesRate);
}

bool BytesOp(RangeOp op) {
  return op == RangeOp::kBytesOverTime || op == RangeOp::kBytesRate;
}

// Prometheus' quantile: linear interpolation between closest ranks.
double Quantile(double phi, std::vector<double> v) {
  if (v.empty()) return NAN;
  if (phi < 0) return -INFINITY;
  if (phi > 1) return INFINITY;
  std::sort(v.begin(), v.end());
  const double rank = phi * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(rank));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  const double w = rank - static_cast<double>(lo);
  return v[lo] * (1 - w) + v[hi] * w;
}

// The function of `e` over pts[lo, hi) (not empty).
double WindowValue(const RangeAggExpr& e, const std::vector<Point>& pts,
                   size_t lo, size_t hi) {
  const double n = static_cast<double>(hi - lo);
  const double range_s = static_cast<double>(e.range_ns) / 1e9;
  double sum = 0;
  for (size_t i = lo; i < hi; ++i) sum += pts[i].v;
  switch (e.op) {
    case RangeOp::kCountOverTime:
      return n;
    case RangeOp::kRate:
      return (e.unwrap ? sum : n) / range_s;
    case RangeOp::kBytesOverTime:
      return sum;
    case RangeOp::kBytesRate:
      return sum / range_s;
    case RangeOp::kSumOverTime:
      return sum;
    case RangeOp::kAvgOverTime:
      return sum / n;
    case RangeOp::kMaxOverTime: {
      double m = pts[lo].v;
      for (size_t i = lo; i < hi; ++i) m = std::max(m, pts[i].v);
      return m;
    }
    case RangeOp::kMinOverTime: {
      double m = pts[lo].v;
      for (size_t i = lo; i < hi; ++i) m = std::min(m, pts[i].v);
      return m;
    }
    case RangeOp::kStdvarOverTime:
    case RangeOp::kStddevOverTime: {
      const double mean = sum / n;
      double sq = 0;
      for (size_t i = lo; i < hi; ++i) {
        sq += (pts[i].v - mean) * (pts[i].v - mean);
      }
      const double var = sq / n;
      return e.op == RangeOp::kStdvarOverTime ? var : std::sqrt(var);
    }
    case RangeOp::kQuantileOverTime: {
      std::vector<double> v;
      for (size_t i = lo; i < hi; ++i) v.push_back(pts[i].v);
      return Quantile(e.param, std::move(v));
    }
    case RangeOp::kFirstOverTime:
      return pts[lo].v;
    case RangeOp::kLastOverTime:
      return pts[hi - 1].v;
    case RangeOp::kAbsentOverTime:
      return 1;
  }
  return NAN;
}

// Samples of one series for every step. `pts` ascending by ts.
void WindowSamples(const RangeAggExpr& e, const Steps& steps,
                   const std::vector<Point>& pts, Series* out) {
  size_t lo = 0, hi = 0;
  // Counts and byte sums are integers: a running sum is exact.
  const bool running = Additive(e);
  double window_sum = 0;
  const double range_s = static_cast<double>(e.range_ns) / 1e9;
  for (int64_t step : steps) {
    const int64_t t = step - e.offset_ns;
    while (hi < pts.size() && pts[hi].ts <= t) window_sum += pts[hi++].v;
    while (lo < hi && pts[lo].ts <= t - e.range_ns) window_sum -= pts[lo++].v;
    if (hi == lo) continue;
    double v;
    if (running) {
      const double n = static_cast<double>(hi - lo);
      switch (e.op) {
        case RangeOp::kCountOverTime:
          v = n;
          break;
        case RangeOp::kRate:
          v = n / range_s;
          break;
        case RangeOp::kBytesOverTime:
          v = window_sum;
          break;
        default:
          v = window_sum / range_s;
      }
    } else {
      v = WindowValue(e, pts, lo, hi);
    }
    out->samples.push_back({step, v});
  }
}

// Streams that end with the same labels (| drop) are one series; the
// additive functions add up over streams.
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

Labels ApplyGrouping(const Labels& labels, const RangeAggExpr& e) {
  Labels out;
  const std::string& unwrapped = e.unwrap ? e.unwrap->label : std::string();
  for (const auto& l : labels) {
    bool keep;
    if (!e.grouping.present) {
      keep = l.first != unwrapped;
    } else {
      bool listed =
          std::find(e.grouping.labels.begin(), e.grouping.labels.end(),
                    l.first) != e.grouping.labels.end();
      keep = e.grouping.without ? !listed && l.first != unwrapped : listed;
    }
    if (keep) out.push_back(l);
  }
  return out;
}

absl::Status PipelineError(const Labels& labels, const std::string& error) {
  return absl::InvalidArgumentError(absl::StrCat(
      "pipeline error: '", error, "' for series: '", LabelsToString(labels),
      "'.\nUse a label filter to intentionally skip this error. (e.g | "
      "__error__!=\"",
      error,
      "\").\nTo skip all potential errors you can match empty errors.(e.g "
      "__error__=\"\")\nThe label filter can also be specified after unwrap. "
      "(e.g | unwrap latency | __error__=\"\" )"));
}

std::optional<double> Convert(Unwrap::Conv conv, const std::string& v) {
  switch (conv) {
    case Unwrap::Conv::kFloat:
      return ParseFloat(v);
    case Unwrap::Conv::kDuration:
      return ParseGoDurationSeconds(v);
    case Unwrap::Conv::kBytes:
      return ParseHumanBytes(v);
  }
  return std::nullopt;
}

store::ScanOptions WindowScan(const RangeAggExpr& e, const Steps& steps,
                              EvalContext* ctx) {
  store::ScanOptions opts;
  opts.tenant = ctx->tenant;
  opts.start_ns = steps.front() - e.offset_ns - e.range_ns + 1;
  opts.end_ns = steps.back() - e.offset_ns + 1;
  opts.backward = false;
  return opts;
}

// Line-only pipeline, count/rate/bytes: streams spread over the scan
// workers; each worker finishes a stream's windows when its next stream
// begins, so memory holds one stream per worker.
absl::StatusOr<MetricResult> EvalAdditive(const RangeAggExpr& e,
                                          const Steps& steps,
                                          Pipeline* pipeline,
                                          store::ScanOptions opts,
                                          EvalContext* ctx) {
  struct Worker {
    uint64_t current = 0;
    bool have_current = false;
    std::vector<Point> pts;
    std::vector<Series> series;
  };
  std::vector<Worker> workers(std::max(1, ctx->threads()));
  const bool bytes = BytesOp(e.op);
  auto flush = [&](Worker& w) {
    if (!w.have_current || w.pts.empty()) return;
    Series s;
    if (auto labels = ctx->index->Get(ctx->tenant, w.current)) {
      s.labels = pipeline->OutputLabels(*labels);
    }
    WindowSamples(e, steps, w.pts, &s);
    if (!s.samples.empty()) w.series.push_back(std::move(s));
    w.pts.clear();
  };
  int used = 1;
  absl::Status st = ScanCandidatesParallel(
      *e.log, pipeline, opts, ctx,
      [&](int wi, uint64_t stream, const store::EntryView& entry) {
        Worker& w = workers[wi];
        if (!w.have_current || stream != w.current) {
          flush(w);
          w.current = stream;
          w.have_current = true;
        }
        if (pipeline->Keep(entry.line)) {
          w.pts.push_back({entry.ts_ns,
                           bytes ? static_cast<double>(entry.line.size()) : 1});
        }
        return true;
      },
      &used);
  if (!st.ok()) return st;
  MetricResult r;
  for (Worker& w : workers) {
    flush(w);
    for (Series& s : w.series) r.series.push_back(std::move(s));
  }
  SortByLabels(&r.series);
  MergeEqualLabels(&r.series);
  return r;
}

// Every other range aggregation: the full pipeline per entry, samples
// collected per output label set.
absl::StatusOr<MetricResult> EvalGeneral(const RangeAggExpr& e,
                                         const Steps& steps, Pipeline* pipeline,
                                         store::ScanOptions opts,
                                         EvalContext* ctx) {
  std::map<Labels, std::vector<Point>> series;
  uint64_t current = 0;
  bool have_current = false;
  Labels stream_labels;
  LabelBuilder b;
  std::string line;
  absl::Status error;
  const bool bytes = BytesOp(e.op);
  absl::Status st = ScanCandidates(
      *e.log, pipeline, opts, ctx,
      [&](uint64_t stream, const store::EntryView& entry) {
        if (!have_current || stream != current) {
          current = stream;
          have_current = true;
          auto labels = ctx->index->Get(ctx->tenant, stream);
          stream_labels = labels ? *std::move(labels) : Labels();
        }
        if (!pipeline->Process(stream_labels, entry, &b, &line)) return true;
        double v = bytes ? static_cast<double>(line.size()) : 1;
        if (e.unwrap) {
          const std::string* text = b.Get(e.unwrap->label);
          std::optional<double> x;
          if (text != nullptr && !text->empty()) {
            x = Convert(e.unwrap->conv, *text);
          }
          if (!x) {
            b.SetError(kSampleExtractionErr,
                       text == nullptr || text->empty()
                           ? "label " + e.unwrap->label + " is missing"
                           : "cannot convert '" + *text + "' of label " +
                                 e.unwrap->label);
          } else {
            v = *x;
          }
          for (const auto& f : e.unwrap->post_filters) {
            if (!EvalLabelFilter(*f, &b)) return true;
          }
        }
        Labels labels = b.Result();
        if (b.HasError()) {
          error = PipelineError(labels, b.error());
          return false;
        }
        series[ApplyGrouping(labels, e)].push_back({entry.ts_ns, v});
        return true;
      });
  if (!error.ok()) return error;
  if (!st.ok()) return st;
  MetricResult r;
  for (auto& [labels, pts] : series) {
    std::stable_sort(
        pts.begin(), pts.end(),
        [](const Point& a, const Point& b) { return a.ts < b.ts; });
    Series s;
    s.labels = labels;
    WindowSamples(e, steps, pts, &s);
    if (!s.samples.empty()) r.series.push_back(std::move(s));
  }
  return r;
}

// absent_over_time: 1 at the steps where the selection has no entry, with
// the labels of the selector's equality matchers.
absl::StatusOr<MetricResult> EvalAbsent(const RangeAggExpr& e,
                                        const Steps& steps, EvalContext* ctx) {
  RangeAggExpr count;
  count.op = RangeOp::kCountOverTime;
  count.range_ns = e.range_ns;
  count.offset_ns = e.offset_ns;
  auto log = std::make_unique<LogExpr>();
  log->matchers = e.log->matchers;
  log->pipeline = e.log->pipeline;
  count.log = std::move(log);
  auto present = EvalRange(count, steps, ctx);
  if (!present.ok()) return present.status();
  std::vector<int64_t> seen;
  for (const Series& s : present->series) {
    for (const Sample& x : s.samples) seen.push_back(x.ts_ns);
  }
  std::sort(seen.begin(), seen.end());
  Series out;
  for (const index::Matcher& m : e.log->matchers) {
    if (m.op() == index::Matcher::Op::kEq)
      out.labels.emplace_back(m.name(), m.value());
  }
  Canonicalize(&out.labels);
  for (int64_t t : steps) {
    if (!std::binary_search(seen.begin(), seen.end(), t)) {
      out.samples.push_back({t, 1});
    }
  }
  MetricResult r;
  if (!out.samples.empty()) r.series.push_back(std::move(out));
  return r;
}

}  // namespace

absl::StatusOr<MetricResult> EvalRange(const RangeAggExpr& e,
                                       const Steps& steps, EvalContext* ctx) {
  if (steps.empty()) return MetricResult{};
  if (e.op == RangeOp::kAbsentOverTime) return EvalAbsent(e, steps, ctx);
  Pipeline pipeline(e.log->pipeline);
  store::ScanOptions opts = WindowScan(e, steps, ctx);
  if (Additive(e) && pipeline.line_only() && !pipeline.TraceIdFilter()) {
    return EvalAdditive(e, steps, &pipeline, std::move(opts), ctx);
  }
  auto r = EvalGeneral(e, steps, &pipeline, std::move(opts), ctx);
  if (!r.ok()) return r;
  SortByLabels(&r->series);
  return r;
}

}  // namespace silt::query
