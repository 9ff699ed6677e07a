// The parse stage: reads each line of a RecordBatch with simdjson On Demand,
// in place over the batch arena (no copy of lines), and fills the record
// columns: timestamp, stream (labels), trace_id / span_id, reject reason.
// One Parser per worker thread; not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/record_batch.h"

namespace silt::parse {

struct LabelRule {
  std::string label;               // e.g. "service"
  std::vector<std::string> paths;  // dotted JSON paths; first present wins
};

struct ParseOptions {
  // Defaults: the design's table (service, namespace, pod, container, level).
  std::vector<LabelRule> labels = DefaultLabelRules();
  // Fields read for the timestamp, first present wins.
  std::vector<std::string> time_fields = {"time", "timestamp", "ts",
                                          "@timestamp"};
  static std::vector<LabelRule> DefaultLabelRules();
};

class Parser {
 public:
  explicit Parser(ParseOptions options = {});
  ~Parser();

  // For every record of `batch`:
  //  - ts_ns: kept if the source set it, else the line's timestamp field
  //    (RFC3339 or epoch s/ms/us/ns), else batch->received_ns; with
  //    batch->source_ts_fallback the line's field wins over the source's
  //    ts_ns, which is then used only when the line has none;
  //  - labels: the record's origin labels, plus label rules' values from the
  //    line for names the origin does not give (origin wins); `level`
  //    normalised to trace|debug|info|warn|error|fatal (other values kept
  //    lower-cased); label values longer than 1 KiB are cut; empty set ->
  //    batch->fallback_labels;
  //  - streams: distinct label sets interned into batch->streams, record.stream
  //    set to the index;
  //  - trace_id / span_id from trace_id|traceId|traceID|trace.id and
  //    span_id|spanId|spanID|span.id, or a W3C `traceparent` field;
  //  - reject: kInvalidUtf8 (bytes not UTF-8) or kInvalidJson (not a JSON
  //    object); such lines keep their bytes and get only origin labels.
  //    These are counted in silt_lines_rejected_total{input=batch->input}.
  //    A record the source marked kTruncated stays so and is not counted
  //    again; the fields before the cut are still read (best effort).
  // Values of skipped fields are checked only structurally (On Demand), so
  // e.g. {"a":tru} is not rejected. Keys written with escapes never match.
  // Never fails: bad lines are data.
  void Parse(RecordBatch* batch);

  // The level normalisation, exposed for tests and for sources (OTLP).
  // Known spellings map to trace|debug|info|warn|error|fatal (e.g. WARNING,
  // W -> warn; err, E -> error; crit, alert, emerg, panic -> fatal; notice
  // -> info; dbg -> debug). Numbers: 0..7 are syslog severities, >= 10
  // bunyan/pino levels by decade (30 info, 50 error); anything else is
  // returned trimmed and lower-cased.
  static std::string NormalizeLevel(std::string_view raw);
  // OpenTelemetry severityNumber: 1-4 trace, 5-8 debug, 9-12 info, 13-16
  // warn, 17-20 error, 21-24 fatal; "" outside 1..24. (Not applied to line
  // fields: numbers there follow NormalizeLevel's rule.)
  static std::string_view OtelSeverityLevel(int64_t severity_number);

 private:
  struct Rep;
  std::unique_ptr<Rep> rep_;
};

}  // namespace silt::parse
