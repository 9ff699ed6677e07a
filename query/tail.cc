#include "query/tail.h"

#include <map>

#include "query/internal/eval_context.h"
#include "query/internal/json_out.h"
#include "query/internal/label_builder.h"
#include "query/internal/log_eval.h"
#include "query/internal/parser.h"
#include "query/internal/pipeline.h"

namespace silt::query {

struct Tail::Rep {
  std::string tenant;
  std::unique_ptr<Expr> expr;
  const LogExpr* log = nullptr;
  std::unique_ptr<Pipeline> pipeline;
};

Tail::Tail(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
Tail::~Tail() = default;

absl::StatusOr<std::unique_ptr<Tail>> Tail::Create(std::string_view tenant,
                                                   std::string_view query) {
  auto rep = std::make_unique<Rep>();
  rep->tenant = std::string(tenant);
  auto e = ParseExpr(query);
  if (!e.ok()) return e.status();
  if ((*e)->kind != Expr::Kind::kLog) {
    return absl::InvalidArgumentError(
        "tail takes a log query (a stream selector and a pipeline), not a "
        "metric query");
  }
  rep->expr = *std::move(e);
  rep->log = static_cast<const LogExpr*>(rep->expr.get());
  rep->pipeline = std::make_unique<Pipeline>(rep->log->pipeline);
  return std::unique_ptr<Tail>(new Tail(std::move(rep)));
}

absl::StatusOr<std::vector<TailEntry>> Tail::History(
    const index::StreamIndex* index, const store::Store* store,
    int64_t start_ns, int64_t end_ns, size_t limit) const {
  EvalContext ctx;
  ctx.index = index;
  ctx.store = store;
  ctx.tenant = rep_->tenant;
  LogQuery q{start_ns, end_ns, limit, /*backward=*/true};
  auto streams = EvalLogQuery(*rep_->log, q, &ctx);
  if (!streams.ok()) return streams.status();
  std::vector<TailEntry> out;
  for (LogStream& s : *streams) {
    for (LogEntry& e : s.entries) {
      out.push_back(TailEntry{s.labels, e.ts_ns, std::move(e.line)});
    }
  }
  std::stable_sort(
      out.begin(), out.end(),
      [](const TailEntry& a, const TailEntry& b) { return a.ts_ns < b.ts_ns; });
  return out;
}

void Tail::Match(const RecordBatch& batch, std::vector<TailEntry>* out) const {
  if (batch.tenant != rep_->tenant || batch.empty()) return;
  const Pipeline& p = *rep_->pipeline;
  std::vector<int> selected(batch.streams.size(), -1);
  for (size_t i = 0; i < batch.streams.size(); ++i) {
    const Labels& labels = batch.streams[i].labels;
    bool all = true;
    for (const index::Matcher& m : rep_->log->matchers) {
      const std::string* v = FindLabel(labels, m.name());
      if (!m.Matches(v ? std::string_view(*v) : std::string_view())) {
        all = false;
        break;
      }
    }
    selected[i] = all ? 1 : 0;
  }
  LabelBuilder b;
  std::string line;
  std::vector<Labels> stream_out(batch.streams.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    const Record& rec = batch.record(i);
    if (rec.stream >= batch.streams.size() || selected[rec.stream] != 1) {
      continue;
    }
    const Labels& labels = batch.streams[rec.stream].labels;
    store::EntryView e;
    e.ts_ns = rec.ts_ns;
    e.line = batch.line(i);
    e.trace_id = batch.trace_id(i);
    e.span_id = batch.span_id(i);
    e.metadata = batch.metadata(i);
    if (p.line_only()) {
      if (!p.Keep(e.line)) continue;
      if (stream_out[rec.stream].empty()) {
        stream_out[rec.stream] = p.OutputLabels(labels);
      }
      out->push_back(
          TailEntry{stream_out[rec.stream], e.ts_ns, std::string(e.line)});
      continue;
    }
    if (!p.Process(labels, e, &b, &line)) continue;
    out->push_back(TailEntry{b.Result(), e.ts_ns, line});
  }
}

std::string TailMessage(const std::vector<TailEntry>& entries, size_t dropped) {
  std::map<Labels, std::vector<const TailEntry*>> streams;
  for (const TailEntry& e : entries) streams[e.labels].push_back(&e);
  std::string out = "{\"streams\":[";
  bool first = true;
  for (const auto& [labels, es] : streams) {
    if (!first) out += ',';
    first = false;
    out += "{\"stream\":";
    AppendLabelsObject(&out, labels);
    out += ",\"values\":[";
    for (size_t i = 0; i < es.size(); ++i) {
      if (i > 0) out += ',';
      out += "[\"" + std::to_string(es[i]->ts_ns) + "\",";
      AppendJsonString(&out, es[i]->line);
      out += ']';
    }
    out += "]}";
  }
  out += "],\"dropped_entries\":[";
  // Loki lists dropped entries by timestamp and labels; silt only counts
  // them (a slow client), as one placeholder per dropped entry would be
  // the very backlog that was shed.
  if (dropped > 0) {
    out += "{\"labels\":\"{}\",\"timestamp\":\"0\",\"count\":" +
           std::to_string(dropped) + "}";
  }
  out += "]}";
  return out;
}

}  // namespace silt::query
