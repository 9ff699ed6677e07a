#include "parse/loki_push.h"

#include <simdjson.h>

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/time_util.h"
#include "parse/internal/field_values.h"

namespace silt::parse {
namespace {

namespace dom = simdjson::dom;

constexpr char kNoLabelsError[] =
    "error at least one label pair is required per stream";

// What pass 1 keeps of one entry; the views point into the DOM.
struct PlannedEntry {
  int64_t ts_ns;
  std::string_view line;
  std::string metadata;  // compact JSON object, empty for none
  std::string_view trace_id;
  std::string_view span_id;
};

struct PlannedStream {
  Labels labels;
  std::vector<PlannedEntry> entries;
};

// This Abseil's string_view is not std::string_view.
absl::string_view Av(std::string_view s) { return {s.data(), s.size()}; }

absl::Status Malformed(std::string_view where, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid push body: ", Av(where), ": ", Av(what)));
}

// Loki sends nanoseconds as a decimal string; numbers are accepted too.
bool ReadTimestamp(dom::element e, int64_t* ns) {
  std::string_view s;
  if (e.get_string().get(s) == simdjson::SUCCESS) {
    if (s.empty() || s.size() > 19) return false;
    int64_t v = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    *ns = v;
    return true;
  }
  int64_t i;
  if (e.get_int64().get(i) == simdjson::SUCCESS) {
    if (i < 0) return false;
    *ns = i;
    return true;
  }
  uint64_t u;
  if (e.get_uint64().get(u) == simdjson::SUCCESS) return false;  // > int64
  double d;
  if (e.get_double().get(d) == simdjson::SUCCESS && d >= 0 && d < 9.2e18) {
    *ns = static_cast<int64_t>(d);
    return true;
  }
  return false;
}

// Structured metadata: an object of string values, kept as compact JSON.
absl::Status ReadMetadata(dom::element e, std::string_view where,
                          PlannedEntry* entry) {
  dom::object object;
  if (e.get_object().get(object)) {
    return Malformed(where, "structured metadata must be an object");
  }
  std::string& json = entry->metadata;
  for (dom::key_value_pair kv : object) {
    std::string_view value;
    if (kv.value.get_string().get(value)) {
      return Malformed(where, absl::StrCat("structured metadata '", Av(kv.key),
                                           "' must be a string"));
    }
    json += json.empty() ? "{\"" : ",\"";
    AppendJsonEscaped(&json, kv.key);
    json += "\":\"";
    AppendJsonEscaped(&json, value);
    json += '"';
    if (kv.key == "trace_id" || kv.key == "traceId" || kv.key == "traceID") {
      entry->trace_id = value;
    } else if (kv.key == "span_id" || kv.key == "spanId" ||
               kv.key == "spanID") {
      entry->span_id = value;
    }
  }
  if (!json.empty()) json += '}';
  return absl::OkStatus();
}

absl::Status ReadValues(dom::element values, std::string_view where,
                        PlannedStream* stream) {
  dom::array entries;
  if (values.get_array().get(entries)) {
    return Malformed(where, "values must be an array");
  }
  size_t n = 0;
  for (dom::element value : entries) {
    const std::string at = absl::StrCat(Av(where), "[", n++, "]");
    dom::array tuple;
    if (value.get_array().get(tuple)) {
      return Malformed(at, "entry must be an array [ts, line(, metadata)]");
    }
    const size_t size = tuple.size();
    if (size < 2 || size > 3) {
      return Malformed(at, "entry must have 2 or 3 elements");
    }
    PlannedEntry entry{};
    dom::element ts = tuple.at(0).value_unsafe();
    if (!ReadTimestamp(ts, &entry.ts_ns)) {
      return Malformed(at, "timestamp must be a string of nanoseconds");
    }
    if (tuple.at(1).get_string().get(entry.line)) {
      return Malformed(at, "line must be a string");
    }
    if (size == 3) {
      absl::Status st = ReadMetadata(tuple.at(2).value_unsafe(), at, &entry);
      if (!st.ok()) return st;
    }
    stream->entries.push_back(std::move(entry));
  }
  return absl::OkStatus();
}

// Loki's older push shape: {"labels":"{a=\"b\"}","entries":[{"ts":..,
// "line":..}]}, with ts as RFC3339.
absl::Status ReadLegacyEntries(dom::element entries, std::string_view where,
                               PlannedStream* stream) {
  dom::array array;
  if (entries.get_array().get(array)) {
    return Malformed(where, "entries must be an array");
  }
  size_t n = 0;
  for (dom::element e : array) {
    const std::string at = absl::StrCat(Av(where), "[", n++, "]");
    std::string_view ts_text;
    PlannedEntry entry{};
    if (e["ts"].get_string().get(ts_text) ||
        e["line"].get_string().get(entry.line)) {
      return Malformed(at, "entry must be {\"ts\":RFC3339,\"line\":string}");
    }
    absl::StatusOr<int64_t> ts = ParseRfc3339Nanos(ts_text);
    if (!ts.ok()) return Malformed(at, std::string(ts.status().message()));
    entry.ts_ns = *ts;
    stream->entries.push_back(std::move(entry));
  }
  return absl::OkStatus();
}

// Reads stream labels; an empty `*refusal` means the stream is usable.
absl::Status ReadLabels(dom::object stream_object, std::string_view where,
                        Labels* labels, std::string* refusal) {
  dom::element labels_element;
  if (stream_object["stream"].get(labels_element) == simdjson::SUCCESS) {
    dom::object object;
    if (labels_element.get_object().get(object)) {
      return Malformed(where, "stream must be an object of labels");
    }
    for (dom::key_value_pair kv : object) {
      std::string_view value;
      if (kv.value.get_string().get(value)) {
        return Malformed(
            where, absl::StrCat("label '", Av(kv.key), "' must be a string"));
      }
      labels->emplace_back(std::string(kv.key), std::string(value));
    }
  } else {
    std::string_view text;
    if (stream_object["labels"].get_string().get(text)) {
      return Malformed(where, "missing stream labels");
    }
    if (!ParseLabels(text, labels)) {
      *refusal = absl::StrCat("error parsing labels '", Av(text), "'");
      return absl::OkStatus();
    }
  }
  for (const Label& label : *labels) {
    if (!IsValidLabelName(label.first)) {
      *refusal = absl::StrCat("error parsing labels: invalid label name '",
                              label.first, "'");
      return absl::OkStatus();
    }
  }
  Canonicalize(labels);
  if (labels->empty()) *refusal = kNoLabelsError;
  return absl::OkStatus();
}

}  // namespace

absl::Status DecodeLokiPushJson(std::string_view body, size_t max_line_bytes,
                                RecordBatch* batch, PushResult* result) {
  // A per-thread parser keeps its buffers between requests.
  thread_local dom::parser parser;
  const simdjson::padded_string padded(body);
  dom::element root;
  if (auto err = parser.parse(padded).get(root)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid push body: ", simdjson::error_message(err)));
  }
  dom::array streams;
  if (root["streams"].get_array().get(streams)) {
    return Malformed("body", "expected {\"streams\":[...]}");
  }

  // Pass 1 validates the whole body; nothing reaches the batch before it.
  std::vector<PlannedStream> planned;
  std::vector<std::string> refusals;
  size_t s = 0;
  for (dom::element stream_element : streams) {
    const std::string where = absl::StrCat("streams[", s++, "]");
    dom::object stream_object;
    if (stream_element.get_object().get(stream_object)) {
      return Malformed(where, "stream must be an object");
    }
    PlannedStream stream;
    std::string refusal;
    absl::Status st =
        ReadLabels(stream_object, where, &stream.labels, &refusal);
    if (!st.ok()) return st;
    dom::element values;
    if (stream_object["values"].get(values) == simdjson::SUCCESS) {
      st = ReadValues(values, absl::StrCat(where, ".values"), &stream);
    } else if (stream_object["entries"].get(values) == simdjson::SUCCESS) {
      st = ReadLegacyEntries(values, absl::StrCat(where, ".entries"), &stream);
    } else {
      return Malformed(where, "missing values");
    }
    if (!st.ok()) return st;
    if (!refusal.empty()) {
      if (!stream.entries.empty()) refusals.push_back(std::move(refusal));
      continue;
    }
    planned.push_back(std::move(stream));
  }

  // Pass 2 appends.
  for (std::string& refusal : refusals) {
    result->errors.push_back(std::move(refusal));
  }
  for (PlannedStream& stream : planned) {
    uint32_t origin = 0;
    bool has_origin = false;
    std::string key;
    for (const PlannedEntry& entry : stream.entries) {
      if (max_line_bytes != 0 && entry.line.size() > max_line_bytes) {
        if (key.empty()) key = LabelsToString(stream.labels);
        result->errors.push_back(absl::StrCat(
            "stream '", key, "' has an entry too long: ", entry.line.size(),
            " bytes, limit ", max_line_bytes));
        continue;
      }
      if (!has_origin) {
        has_origin = true;
        origin = static_cast<uint32_t>(batch->origins.size());
        batch->origins.push_back(stream.labels);
      }
      const uint32_t i = batch->Append(entry.line, origin, entry.ts_ns);
      if (!entry.metadata.empty()) batch->SetMetadata(i, entry.metadata);
      if (!entry.trace_id.empty()) batch->SetTraceId(i, entry.trace_id);
      if (!entry.span_id.empty()) batch->SetSpanId(i, entry.span_id);
      ++result->accepted;
    }
  }
  return absl::OkStatus();
}

size_t SplitNdjson(std::string_view body, size_t max_line_bytes,
                   RecordBatch* batch) {
  size_t appended = 0;
  uint64_t truncated = 0;
  const char* p = body.data();
  const char* end = p + body.size();
  while (p < end) {
    const char* nl = static_cast<const char*>(
        std::memchr(p, '\n', static_cast<size_t>(end - p)));
    const char* line_end = nl != nullptr ? nl : end;
    std::string_view line(p, static_cast<size_t>(line_end - p));
    p = nl != nullptr ? nl + 1 : end;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    bool cut = false;
    if (max_line_bytes != 0 && line.size() > max_line_bytes) {
      line = internal::CutUtf8(line, max_line_bytes);
      cut = true;
    }
    const uint32_t i = batch->Append(line);
    if (cut) {
      batch->record(i).reject = Reject::kTruncated;
      ++truncated;
    }
    ++appended;
  }
  if (truncated != 0) {
    Metrics()
        .lines_rejected.With({batch->input, RejectName(Reject::kTruncated)})
        .Inc(truncated);
  }
  return appended;
}

}  // namespace silt::parse
