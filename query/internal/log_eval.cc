#include "query/internal/log_eval.h"

#include <algorithm>
#include <map>
#include <queue>

#include "absl/container/flat_hash_map.h"
#include "query/internal/filter.h"

namespace silt::query {
namespace {

struct Candidate {
  int64_t ts_ns;
  uint64_t seq;  // scan order; breaks timestamp ties deterministically
  uint64_t stream;
  std::string line;
  std::string metadata;
};

}  // namespace

absl::StatusOr<std::vector<LogStream>> EvalLogQuery(const LogExpr& expr,
                                                    const LogQuery& q,
                                                    EvalContext* ctx) {
  std::vector<LogStream> out;
  if (q.limit == 0 || q.end_ns <= q.start_ns) return out;
  std::vector<uint64_t> ids = ctx->index->Match(ctx->tenant, expr.matchers);
  if (ids.empty()) return out;

  Pipeline pipeline(expr.pipeline);
  // `better(a, b)`: a comes before b in the answer. The heap's top is the
  // worst kept entry, so a full heap rejects anything not better than it.
  const bool backward = q.backward;
  auto better = [backward](const Candidate& a, const Candidate& b) {
    if (a.ts_ns != b.ts_ns)
      return backward ? a.ts_ns > b.ts_ns : a.ts_ns < b.ts_ns;
    return a.seq < b.seq;
  };
  std::priority_queue<Candidate, std::vector<Candidate>, decltype(better)> heap(
      better);
  uint64_t seq = 0;
  absl::Status budget;

  store::ScanOptions opts;
  opts.tenant = ctx->tenant;
  opts.streams = std::move(ids);
  opts.start_ns = q.start_ns;
  opts.end_ns = q.end_ns;
  opts.backward = backward;
  absl::Status st =
      ctx->store->Scan(opts, [&](uint64_t stream, const store::EntryView& e) {
        if (!budget.ok()) return false;
        budget = ctx->Charge(e.line.size());
        if (!budget.ok()) return false;
        if (!pipeline.Keep(e.line)) return true;
        Candidate c{e.ts_ns, seq++, stream, {}, {}};
        if (heap.size() >= q.limit) {
          // Each stream arrives in the query's order, so once one of its
          // entries cannot make the cut neither can the rest.
          if (!better(c, heap.top())) return false;
          heap.pop();
        }
        c.line.assign(e.line);
        c.metadata.assign(e.metadata);
        heap.push(std::move(c));
        return true;
      });
  if (!budget.ok()) return budget;
  if (!st.ok()) return st;

  std::vector<Candidate> kept;
  kept.reserve(heap.size());
  while (!heap.empty()) {
    kept.push_back(std::move(const_cast<Candidate&>(heap.top())));
    heap.pop();
  }
  std::reverse(kept.begin(), kept.end());  // best first

  // Streams whose labels become equal after the pipeline (| drop) are one
  // answer stream; `kept` is in answer order, so appending keeps each
  // stream's entries ordered.
  absl::flat_hash_map<uint64_t, size_t> slot_of_stream;
  std::map<Labels, size_t> slot_of_labels;
  for (Candidate& c : kept) {
    auto [it, inserted] = slot_of_stream.try_emplace(c.stream, 0);
    if (inserted) {
      Labels labels;
      if (auto l = ctx->index->Get(ctx->tenant, c.stream))
        labels = *std::move(l);
      labels = pipeline.OutputLabels(labels);
      auto [lit, new_labels] = slot_of_labels.try_emplace(labels, out.size());
      if (new_labels) {
        LogStream s;
        s.labels = std::move(labels);
        out.push_back(std::move(s));
      }
      it->second = lit->second;
    }
    out[it->second].entries.push_back(
        LogEntry{c.ts_ns, std::move(c.line), std::move(c.metadata)});
  }
  std::sort(out.begin(), out.end(), [](const LogStream& a, const LogStream& b) {
    return a.labels < b.labels;
  });
  return out;
}

}  // namespace silt::query
