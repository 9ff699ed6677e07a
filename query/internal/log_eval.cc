#include "query/internal/log_eval.h"

#include <algorithm>
#include <map>
#include <queue>

#include "absl/container/flat_hash_map.h"
#include "query/internal/pipeline.h"
#include "query/internal/scan.h"

namespace silt::query {
namespace {

struct Candidate {
  int64_t ts_ns;
  uint64_t seq;  // scan order; breaks timestamp ties deterministically
  uint64_t stream;
  std::string line;
  std::string metadata;
  Labels labels;  // after the pipeline (general pipelines only)
};

}  // namespace

absl::StatusOr<std::vector<LogStream>> EvalLogQuery(const LogExpr& expr,
                                                    const LogQuery& q,
                                                    EvalContext* ctx) {
  std::vector<LogStream> out;
  if (q.limit == 0 || q.end_ns <= q.start_ns) return out;

  Pipeline pipeline(expr.pipeline);
  const bool line_only = pipeline.line_only();
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

  uint64_t current = 0;
  bool have_current = false;
  Labels stream_labels;
  LabelBuilder builder;
  std::string line;
  const bool trace = pipeline.TraceIdFilter().has_value();

  // Once `limit` entries are kept, runs entirely worse than the worst kept
  // one need not be read at all.
  std::atomic<int64_t> bound{backward ? INT64_MIN : INT64_MAX};
  store::ScanOptions opts;
  opts.tenant = ctx->tenant;
  opts.start_ns = q.start_ns;
  opts.end_ns = q.end_ns;
  opts.backward = backward;
  opts.bound_ns = &bound;
  absl::Status st = ScanCandidates(
      expr, &pipeline, opts, ctx,
      [&](uint64_t stream, const store::EntryView& e) {
        Candidate c{e.ts_ns, seq, stream, {}, {}, {}};
        if (heap.size() >= q.limit && !better(c, heap.top())) {
          // Each stream arrives in the query's order, so once one of its
          // entries cannot make the cut neither can the rest (entries of a
          // trace come in time order instead: skip just this one).
          return trace;
        }
        if (line_only) {
          if (!pipeline.Keep(e.line)) return true;
          c.line.assign(e.line);
        } else {
          if (!have_current || stream != current) {
            current = stream;
            have_current = true;
            auto labels = ctx->index->Get(ctx->tenant, stream);
            stream_labels = labels ? *std::move(labels) : Labels();
          }
          if (!pipeline.Process(stream_labels, e, &builder, &line)) {
            return true;
          }
          c.line = std::move(line);
          c.labels = builder.Result();
        }
        ++seq;
        if (heap.size() >= q.limit) heap.pop();
        c.metadata.assign(e.metadata);
        heap.push(std::move(c));
        if (heap.size() >= q.limit) bound = heap.top().ts_ns;
        return true;
      });
  if (!st.ok()) return st;

  std::vector<Candidate> kept;
  kept.reserve(heap.size());
  while (!heap.empty()) {
    kept.push_back(std::move(const_cast<Candidate&>(heap.top())));
    heap.pop();
  }
  std::reverse(kept.begin(), kept.end());  // best first

  // Entries whose labels are equal after the pipeline are one answer
  // stream; `kept` is in answer order, so appending keeps each stream's
  // entries ordered.
  absl::flat_hash_map<uint64_t, Labels> labels_of_stream;
  std::map<Labels, size_t> slot_of_labels;
  for (Candidate& c : kept) {
    Labels labels;
    if (line_only) {
      auto [it, inserted] = labels_of_stream.try_emplace(c.stream);
      if (inserted) {
        if (auto l = ctx->index->Get(ctx->tenant, c.stream)) {
          it->second = pipeline.OutputLabels(*l);
        }
      }
      labels = it->second;
    } else {
      labels = std::move(c.labels);
    }
    auto [lit, new_labels] = slot_of_labels.try_emplace(labels, out.size());
    if (new_labels) {
      LogStream s;
      s.labels = std::move(labels);
      out.push_back(std::move(s));
    }
    out[lit->second].entries.push_back(
        LogEntry{c.ts_ns, std::move(c.line), std::move(c.metadata)});
  }
  std::sort(out.begin(), out.end(), [](const LogStream& a, const LogStream& b) {
    return a.labels < b.labels;
  });
  return out;
}

}  // namespace silt::query
