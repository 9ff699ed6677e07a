#include "query/internal/scan.h"

namespace silt::query {

absl::Status ScanCandidates(const LogExpr& expr, const Pipeline& pipeline,
                            store::ScanOptions opts, EvalContext* ctx,
                            const EntryFn& fn) {
  (void)pipeline;
  opts.streams = ctx->index->Match(ctx->tenant, expr.matchers);
  if (opts.streams.empty()) return absl::OkStatus();
  absl::Status budget;
  absl::Status st =
      ctx->store->Scan(opts, [&](uint64_t stream, const store::EntryView& e) {
        if (!budget.ok()) return false;
        budget = ctx->Charge(e.line.size());
        if (!budget.ok()) return false;
        return fn(stream, e);
      });
  if (!budget.ok()) return budget;
  return st;
}

}  // namespace silt::query
