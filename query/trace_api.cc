// GET /api/v1/trace/<id>: the entries of one trace across the tenant's
// streams, through the store's trace index.
#include <limits>

#include "common/time_util.h"
#include "query/internal/answer.h"
#include "query/internal/json_out.h"
#include "query/internal/params.h"
#include "query/loki_api.h"

namespace silt::query {
Answer LokiApi::Trace(std::string_view tenant, std::string_view trace_id,
                      const Params& params,
                      const std::atomic<bool>* cancelled) const {
  LatencyTimer timer("trace");
  if (trace_id.empty() || trace_id.size() > 256) {
    return ErrorAnswer(absl::InvalidArgumentError(
        "a trace id is 1 to 256 bytes: GET /api/v1/trace/<trace_id>"));
  }
  auto start = TimeParam(params, "start", 0);
  if (!start.ok()) return ErrorAnswer(start.status());
  auto end = TimeParam(params, "end", std::numeric_limits<int64_t>::max());
  if (!end.ok()) return ErrorAnswer(end.status());
  if (*end <= *start) {
    return ErrorAnswer(absl::InvalidArgumentError(
        "the end of the range must be after its start"));
  }
  std::string out = "{\"status\":\"success\",\"data\":{\"trace_id\":";
  AppendJsonString(&out, trace_id);
  out += ",\"entries\":[";
  bool first = true;
  size_t n = 0;
  absl::Status st = store_->LookupTrace(
      tenant, trace_id, *start, *end,
      [&](uint64_t stream, const store::EntryView& e) {
        if (cancelled != nullptr && cancelled->load()) return false;
        if (++n > limits_.max_limit) return false;
        if (!first) out += ',';
        first = false;
        out += "{\"ts\":\"";
        out += std::to_string(e.ts_ns);
        out += "\",\"stream\":";
        auto labels = index_->Get(tenant, stream);
        AppendLabelsObject(&out, labels ? *labels : silt::Labels());
        out += ",\"line\":";
        AppendJsonString(&out, e.line);
        if (!e.span_id.empty()) {
          out += ",\"span_id\":";
          AppendJsonString(&out, e.span_id);
        }
        out += '}';
        return true;
      });
  if (!st.ok()) return ErrorAnswer(st);
  if (cancelled != nullptr && cancelled->load()) {
    return ErrorAnswer(
        absl::CancelledError("the client closed the connection"));
  }
  if (n > limits_.max_limit) {
    return ErrorAnswer(absl::InvalidArgumentError(
        "the trace has more than " + std::to_string(limits_.max_limit) +
        " entries (max_query_limit); narrow it with start and end"));
  }
  out += "]}}";
  return JsonAnswer(std::move(out));
}

}  // namespace silt::query
