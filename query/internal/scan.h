// Reads the entries a log expression may select: the index picks the
// streams of the selector, a `| trace_id="x"` filter reads only that
// trace's entries (through the store's trace index), and the literal `|=`
// filters go down to the store, which skips the blocks that cannot match
// and returns only lines holding them (the pipeline then skips those
// filters). Every entry read is charged to the query's budget.
#pragma once

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "query/internal/ast.h"
#include "query/internal/eval_context.h"
#include "query/internal/pipeline.h"
#include "store/store.h"

namespace silt::query {

using EntryFn =
    std::function<bool(uint64_t stream, const store::EntryView& entry)>;
using WorkerEntryFn = std::function<bool(int worker, uint64_t stream,
                                         const store::EntryView& entry)>;

// `opts` gives tenant, range and direction; its streams are filled in
// here. `fn` returning false stops the current stream. Entries come
// grouped by stream (in opts' direction within one) except with a trace
// filter, where they come in time order over all streams. Errors: the
// budget's (kResourceExhausted, kDeadlineExceeded, kCancelled) or the
// store's.
absl::Status ScanCandidates(const LogExpr& expr, Pipeline* pipeline,
                            store::ScanOptions opts, EvalContext* ctx,
                            const EntryFn& fn);

// The same over ctx->threads() workers: fn runs on several threads at once
// (never for one stream on two). Returns the number of workers used in
// *workers (fn's worker index is below it).
absl::Status ScanCandidatesParallel(const LogExpr& expr, Pipeline* pipeline,
                                    store::ScanOptions opts, EvalContext* ctx,
                                    const WorkerEntryFn& fn, int* workers);

}  // namespace silt::query
