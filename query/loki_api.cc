#include "query/loki_api.h"

#include <algorithm>
#include <chrono>

#include "common/metrics.h"
#include "common/time_util.h"
#include "query/internal/answer.h"
#include "query/internal/eval_context.h"
#include "query/internal/json_out.h"
#include "query/internal/log_eval.h"
#include "query/internal/metric_eval.h"
#include "query/internal/params.h"
#include "query/internal/parser.h"

namespace silt::query {
namespace {

constexpr int64_t kHourNs = 3600LL * 1'000'000'000;

void InitContext(const index::StreamIndex* index, const store::Store* store,
                 std::string_view tenant, const QueryLimits& limits,
                 const std::atomic<bool>* cancelled, EvalContext* ctx) {
  ctx->index = index;
  ctx->store = store;
  ctx->tenant = std::string(tenant);
  ctx->limits = limits;
  ctx->deadline_ns = NowNanos() + limits.timeout_ms * 1'000'000;
  ctx->cancelled = cancelled;
}

QueryStats StatsOf(const EvalContext& ctx, const LatencyTimer& timer,
                   uint64_t returned) {
  QueryStats s;
  s.entries_scanned = ctx.entries_scanned.load();
  s.bytes_scanned = ctx.bytes_scanned.load();
  s.entries_returned = returned;
  s.exec_seconds = timer.seconds();
  return s;
}

absl::StatusOr<std::unique_ptr<Expr>> ParseQueryParam(const Params& params) {
  const std::string* q = GetParam(params, "query");
  if (q == nullptr) {
    return absl::InvalidArgumentError("missing parameter \"query\"");
  }
  return ParseExpr(*q);
}

// Runs a log query and renders the streams body.
absl::StatusOr<std::string> RunLogQuery(const LogExpr& expr, const LogQuery& lq,
                                        EvalContext* ctx,
                                        const LatencyTimer& timer) {
  auto streams = EvalLogQuery(expr, lq, ctx);
  if (!streams.ok()) return streams.status();
  uint64_t returned = 0;
  for (const auto& s : *streams) returned += s.entries.size();
  return StreamsBody(*streams, StatsOf(*ctx, timer, returned));
}

}  // namespace

LokiApi::LokiApi(const index::StreamIndex* index, const store::Store* store,
                 QueryLimits limits)
    : index_(index), store_(store), limits_(limits) {}

namespace {

// A log query over `bounds` with the request's limit and direction.
Answer LogAnswer(const Expr& expr, const Params& params,
                 const TimeBounds& bounds, size_t max_limit, EvalContext* ctx,
                 const LatencyTimer& timer) {
  auto limit = ParseLimit(params, max_limit);
  if (!limit.ok()) return ErrorAnswer(limit.status());
  auto backward = ParseBackward(params);
  if (!backward.ok()) return ErrorAnswer(backward.status());
  LogQuery lq{bounds.start_ns, bounds.end_ns, *limit, *backward};
  auto body = RunLogQuery(static_cast<const LogExpr&>(expr), lq, ctx, timer);
  if (!body.ok()) return ErrorAnswer(body.status());
  return JsonAnswer(*std::move(body));
}

}  // namespace

Answer LokiApi::QueryRange(std::string_view tenant, const Params& params,
                           int64_t now_ns,
                           const std::atomic<bool>* cancelled) const {
  LatencyTimer timer("query_range");
  auto expr = ParseQueryParam(params);
  if (!expr.ok()) return ErrorAnswer(expr.status());
  auto bounds = ParseBounds(params, now_ns, kHourNs);
  if (!bounds.ok()) return ErrorAnswer(bounds.status());
  EvalContext ctx;
  InitContext(index_, store_, tenant, limits_, cancelled, &ctx);

  if ((*expr)->kind == Expr::Kind::kLog) {
    return LogAnswer(**expr, params, *bounds, limits_.max_limit, &ctx, timer);
  }

  auto step = ParseStep(params, *bounds);
  if (!step.ok()) return ErrorAnswer(step.status());
  // Evaluation timestamps are aligned to the step, as Loki's range queries
  // are once Grafana aligns start and end.
  auto result =
      EvalMetric(**expr, bounds->start_ns, bounds->end_ns, *step, &ctx);
  if (!result.ok()) return ErrorAnswer(result.status());
  return JsonAnswer(MatrixBody(*result, StatsOf(ctx, timer, 0)));
}

Answer LokiApi::Query(std::string_view tenant, const Params& params,
                      int64_t now_ns,
                      const std::atomic<bool>* cancelled) const {
  LatencyTimer timer("query");
  auto expr = ParseQueryParam(params);
  if (!expr.ok()) return ErrorAnswer(expr.status());
  int64_t ts = now_ns;
  if (const std::string* t = GetParam(params, "time")) {
    auto parsed = ParseLokiTime(*t);
    if (!parsed.ok()) {
      return ErrorAnswer(
          absl::InvalidArgumentError("invalid parameter \"time\": " +
                                     std::string(parsed.status().message())));
    }
    ts = *parsed;
  }
  EvalContext ctx;
  InitContext(index_, store_, tenant, limits_, cancelled, &ctx);

  if ((*expr)->kind == Expr::Kind::kLog) {
    // A log query at an instant reads back from `time` (inclusive) over
    // `since` (default 1h), newest first unless told otherwise.
    Params bounds_params;
    bounds_params.emplace("end", std::to_string(ts + 1));
    auto since = params.find("since");
    if (since != params.end()) bounds_params.insert(*since);
    auto bounds = ParseBounds(bounds_params, ts + 1, kHourNs);
    if (!bounds.ok()) return ErrorAnswer(bounds.status());
    return LogAnswer(**expr, params, *bounds, limits_.max_limit, &ctx, timer);
  }

  auto result = EvalMetric(**expr, ts, ts, 1'000'000'000, &ctx);
  if (!result.ok()) return ErrorAnswer(result.status());
  return JsonAnswer(VectorBody(*result, ts, StatsOf(ctx, timer, 0)));
}

namespace {

// Streams of `ids` holding at least one entry in [start, end). Asking the
// store per stream costs one index lookup each; past a few thousand streams
// the index's answer is used as it is (an over-approximation).
std::vector<uint64_t> WithData(const store::Store* store,
                               std::string_view tenant,
                               std::vector<uint64_t> ids, const TimeBounds& b) {
  constexpr size_t kMaxChecked = 5000;
  if (ids.size() > kMaxChecked) return ids;
  std::vector<uint64_t> out;
  store::ScanOptions opts;
  opts.tenant = std::string(tenant);
  opts.start_ns = b.start_ns;
  opts.end_ns = b.end_ns;
  for (uint64_t id : ids) {
    opts.streams = {id};
    if (store->Stats(opts).entries > 0) out.push_back(id);
  }
  return out;
}

// The tenant's streams selected by `query` (all when absent).
absl::StatusOr<std::vector<uint64_t>> SelectStreams(
    const index::StreamIndex* index, std::string_view tenant,
    const Params& params) {
  const std::string* q = GetParam(params, "query");
  if (q == nullptr) return index->Streams(tenant);
  auto expr = ParseLogSelector(*q);
  if (!expr.ok()) return expr.status();
  return index->Match(tenant, (*expr)->matchers);
}

constexpr int64_t kSixHoursNs = 6 * kHourNs;

}  // namespace

Answer LokiApi::Labels(std::string_view tenant, const Params& params,
                       int64_t now_ns) const {
  LatencyTimer timer("labels");
  auto bounds = ParseBounds(params, now_ns, kSixHoursNs);
  if (!bounds.ok()) return ErrorAnswer(bounds.status());
  auto ids = SelectStreams(index_, tenant, params);
  if (!ids.ok()) return ErrorAnswer(ids.status());
  std::vector<uint64_t> live =
      WithData(store_, tenant, *std::move(ids), *bounds);
  return JsonAnswer(StringListBody(index_->LabelNames(tenant, &live)));
}

Answer LokiApi::LabelValues(std::string_view tenant, std::string_view name,
                            const Params& params, int64_t now_ns) const {
  LatencyTimer timer("label_values");
  auto bounds = ParseBounds(params, now_ns, kSixHoursNs);
  if (!bounds.ok()) return ErrorAnswer(bounds.status());
  auto ids = SelectStreams(index_, tenant, params);
  if (!ids.ok()) return ErrorAnswer(ids.status());
  std::vector<uint64_t> live =
      WithData(store_, tenant, *std::move(ids), *bounds);
  return JsonAnswer(StringListBody(index_->LabelValues(tenant, name, &live)));
}

Answer LokiApi::Series(std::string_view tenant, const Params& params,
                       int64_t now_ns) const {
  LatencyTimer timer("series");
  auto bounds = ParseBounds(params, now_ns, kSixHoursNs);
  if (!bounds.ok()) return ErrorAnswer(bounds.status());
  std::vector<uint64_t> ids;
  auto [first, last] = params.equal_range("match[]");
  if (first == last) std::tie(first, last) = params.equal_range("match");
  if (first == last) {
    ids = index_->Streams(tenant);
  }
  for (auto it = first; it != last; ++it) {
    auto expr = ParseLogSelector(it->second);
    if (!expr.ok()) return ErrorAnswer(expr.status());
    std::vector<uint64_t> m = index_->Match(tenant, (*expr)->matchers);
    std::vector<uint64_t> merged;
    std::set_union(ids.begin(), ids.end(), m.begin(), m.end(),
                   std::back_inserter(merged));
    ids = std::move(merged);
  }
  std::vector<uint64_t> live =
      WithData(store_, tenant, std::move(ids), *bounds);
  std::vector<silt::Labels> series;
  series.reserve(live.size());
  for (uint64_t id : live) {
    if (auto labels = index_->Get(tenant, id))
      series.push_back(*std::move(labels));
  }
  std::sort(series.begin(), series.end());
  return JsonAnswer(SeriesBody(series));
}

Answer LokiApi::IndexStats(std::string_view tenant, const Params& params,
                           int64_t now_ns) const {
  LatencyTimer timer("index_stats");
  auto bounds = ParseBounds(params, now_ns, kHourNs);
  if (!bounds.ok()) return ErrorAnswer(bounds.status());
  auto ids = SelectStreams(index_, tenant, params);
  if (!ids.ok()) return ErrorAnswer(ids.status());
  uint64_t streams = 0, chunks = 0, entries = 0, bytes = 0;
  store::ScanOptions opts;
  opts.tenant = std::string(tenant);
  opts.start_ns = bounds->start_ns;
  opts.end_ns = bounds->end_ns;
  for (uint64_t id : *ids) {
    opts.streams = {id};
    store::StreamStats s = store_->Stats(opts);
    if (s.entries == 0) continue;
    ++streams;
    chunks += s.chunks;
    entries += s.entries;
    bytes += s.bytes;
  }
  return JsonAnswer("{\"streams\":" + std::to_string(streams) +
                    ",\"chunks\":" + std::to_string(chunks) +
                    ",\"entries\":" + std::to_string(entries) +
                    ",\"bytes\":" + std::to_string(bytes) + "}");
}

}  // namespace silt::query
