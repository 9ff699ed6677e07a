#include "query/internal/scan.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <vector>

#include "common/status.h"

namespace silt::query {
namespace {

// Selects the streams and pushes the literal filters down.
absl::Status Prepare(const LogExpr& expr, Pipeline* pipeline,
                     store::ScanOptions* opts, EvalContext* ctx) {
  opts->streams = ctx->index->Match(ctx->tenant, expr.matchers);
  opts->must_contain = pipeline->PushDownLiterals();
  return ctx->CheckDeadline();
}

absl::Status LookupTrace(const std::string& id, const store::ScanOptions& opts,
                         EvalContext* ctx, const EntryFn& fn) {
  Meter meter(ctx);
  absl::Status budget;
  absl::Status st = ctx->store->LookupTrace(
      ctx->tenant, id, opts.start_ns, opts.end_ns,
      [&](uint64_t stream, const store::EntryView& e) {
        if (!std::binary_search(opts.streams.begin(), opts.streams.end(),
                                stream)) {
          return true;
        }
        budget = meter.Charge(e.line.size());
        if (!budget.ok()) return false;
        fn(stream, e);  // entries of many streams: never stop early
        return true;
      });
  if (!budget.ok()) return budget;
  return st;
}

}  // namespace

absl::Status ScanCandidates(const LogExpr& expr, Pipeline* pipeline,
                            store::ScanOptions opts, EvalContext* ctx,
                            const EntryFn& fn) {
  RETURN_IF_ERROR(Prepare(expr, pipeline, &opts, ctx));
  if (opts.streams.empty()) return absl::OkStatus();
  if (auto id = pipeline->TraceIdFilter())
    return LookupTrace(*id, opts, ctx, fn);
  Meter meter(ctx);
  absl::Status budget;
  // With literals pushed down the store reports what it examined (most of
  // it never reaches fn); otherwise every entry reaches fn.
  const bool store_reports = !opts.must_contain.empty();
  if (store_reports) {
    opts.progress = [&](int, uint64_t entries, uint64_t bytes) {
      budget = meter.ChargeMany(entries, bytes);
      return budget.ok();
    };
  }
  absl::Status st =
      ctx->store->Scan(opts, [&](uint64_t stream, const store::EntryView& e) {
        if (!budget.ok()) return false;
        if (!store_reports) {
          budget = meter.Charge(e.line.size());
          if (!budget.ok()) return false;
        }
        return fn(stream, e);
      });
  if (!budget.ok()) return budget;
  return st;
}

absl::Status ScanCandidatesParallel(const LogExpr& expr, Pipeline* pipeline,
                                    store::ScanOptions opts, EvalContext* ctx,
                                    const WorkerEntryFn& fn, int* workers) {
  *workers = 1;
  RETURN_IF_ERROR(Prepare(expr, pipeline, &opts, ctx));
  if (opts.streams.empty()) return absl::OkStatus();
  if (auto id = pipeline->TraceIdFilter()) {
    return LookupTrace(
        *id, opts, ctx,
        [&](uint64_t s, const store::EntryView& e) { return fn(0, s, e); });
  }
  const int n = std::max(
      1, std::min<int>(ctx->threads(), static_cast<int>(opts.streams.size())));
  *workers = n;
  std::vector<std::unique_ptr<Meter>> meters;
  for (int i = 0; i < n; ++i) meters.push_back(std::make_unique<Meter>(ctx));
  std::atomic<bool> failed{false};
  std::mutex mu;
  absl::Status budget;
  auto fail = [&](absl::Status b) {
    std::lock_guard<std::mutex> l(mu);
    if (budget.ok()) budget = std::move(b);
    failed = true;
  };
  const bool store_reports = !opts.must_contain.empty();
  if (store_reports) {
    opts.progress = [&](int w, uint64_t entries, uint64_t bytes) {
      if (failed.load(std::memory_order_relaxed)) return false;
      absl::Status b = meters[w]->ChargeMany(entries, bytes);
      if (b.ok()) return true;
      fail(std::move(b));
      return false;
    };
  }
  absl::Status st = ctx->store->ParallelScan(
      opts, n, [&](int w, uint64_t stream, const store::EntryView& e) {
        if (failed.load(std::memory_order_relaxed)) return false;
        if (!store_reports) {
          absl::Status b = meters[w]->Charge(e.line.size());
          if (!b.ok()) {
            fail(std::move(b));
            return false;
          }
        }
        return fn(w, stream, e);
      });
  meters.clear();
  if (!budget.ok()) return budget;
  return st;
}

}  // namespace silt::query
