#include "parse/otlp_logs.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "parse/internal/otlp_builder.h"

namespace silt::parse {
namespace {

namespace dom = simdjson::dom;

constexpr int kMaxDepth = 32;

absl::string_view Av(std::string_view s) { return {s.data(), s.size()}; }

absl::Status Malformed(std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid OTLP logs body: ", Av(what)));
}

void AppendQuoted(std::string* out, std::string_view s) {
  out->push_back('"');
  AppendJsonEscaped(out, s);
  out->push_back('"');
}

void AppendDouble(std::string* out, double d) {
  if (std::isnan(d)) return AppendQuoted(out, "NaN");
  if (std::isinf(d)) return AppendQuoted(out, d > 0 ? "Infinity" : "-Infinity");
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  out->append(buf, r.ptr);
}

// An int64 sent as a JSON string (proto3 JSON) or number.
bool ReadInt(dom::element e, int64_t* v) {
  if (e.get_int64().get(*v) == simdjson::SUCCESS) return true;
  std::string_view s;
  if (e.get_string().get(s)) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), *v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool ReadU64(dom::element e, uint64_t* v) {
  if (e.get_uint64().get(*v) == simdjson::SUCCESS) return true;
  std::string_view s;
  if (e.get_string().get(s)) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), *v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// Field names in lowerCamelCase (OTLP/JSON) or as in the .proto (what
// protobuf JSON parsers accept too).
simdjson::simdjson_result<dom::element> Field(dom::object o,
                                              std::string_view camel,
                                              std::string_view snake) {
  auto r = o[camel];
  if (r.error() == simdjson::NO_SUCH_FIELD && !snake.empty()) return o[snake];
  return r;
}

absl::Status RenderAny(dom::element v, std::string* out, int depth);

// [{"key":k,"value":AnyValue}, ...] as "k":value pairs (no braces).
absl::Status RenderKeyValues(dom::element kvs, std::string* out, int depth) {
  dom::array array;
  if (kvs.get_array().get(array)) return Malformed("attributes must be a list");
  bool first = out->empty() || out->back() == '{';
  for (dom::element kv : array) {
    std::string_view key;
    if (kv["key"].get_string().get(key)) {
      return Malformed("a KeyValue needs a string key");
    }
    if (!first) out->push_back(',');
    first = false;
    AppendQuoted(out, key);
    out->push_back(':');
    dom::element value;
    if (kv["value"].get(value)) {
      out->append("null");
      continue;
    }
    absl::Status st = RenderAny(value, out, depth + 1);
    if (!st.ok()) return st;
  }
  return absl::OkStatus();
}

absl::Status RenderAny(dom::element v, std::string* out, int depth) {
  if (depth > kMaxDepth) return Malformed("values nested too deep");
  dom::object o;
  if (v.get_object().get(o)) return Malformed("a value must be an AnyValue");
  for (dom::key_value_pair kv : o) {
    const std::string_view k = kv.key;
    if (k == "stringValue" || k == "string_value") {
      std::string_view s;
      if (kv.value.get_string().get(s)) return Malformed("stringValue");
      AppendQuoted(out, s);
    } else if (k == "boolValue" || k == "bool_value") {
      bool b;
      if (kv.value.get_bool().get(b)) return Malformed("boolValue");
      out->append(b ? "true" : "false");
    } else if (k == "intValue" || k == "int_value") {
      int64_t i;
      if (!ReadInt(kv.value, &i)) return Malformed("intValue");
      absl::StrAppend(out, i);
    } else if (k == "doubleValue" || k == "double_value") {
      double d;
      std::string_view s;
      if (kv.value.get_double().get(d) == simdjson::SUCCESS) {
        AppendDouble(out, d);
      } else if (kv.value.get_string().get(s) == simdjson::SUCCESS &&
                 (s == "NaN" || s == "Infinity" || s == "-Infinity")) {
        AppendQuoted(out, s);
      } else {
        return Malformed("doubleValue");
      }
    } else if (k == "bytesValue" || k == "bytes_value") {
      std::string_view s;
      if (kv.value.get_string().get(s)) return Malformed("bytesValue");
      AppendQuoted(out, s);  // already base64 in JSON
    } else if (k == "arrayValue" || k == "array_value") {
      out->push_back('[');
      dom::array values;
      dom::element ve;
      if (kv.value["values"].get(ve) == simdjson::SUCCESS) {
        if (ve.get_array().get(values)) return Malformed("arrayValue.values");
        bool first = true;
        for (dom::element item : values) {
          if (!first) out->push_back(',');
          first = false;
          absl::Status st = RenderAny(item, out, depth + 1);
          if (!st.ok()) return st;
        }
      }
      out->push_back(']');
    } else if (k == "kvlistValue" || k == "kvlist_value") {
      out->push_back('{');
      dom::element ve;
      if (kv.value["values"].get(ve) == simdjson::SUCCESS) {
        absl::Status st = RenderKeyValues(ve, out, depth + 1);
        if (!st.ok()) return st;
      }
      out->push_back('}');
    } else {
      continue;  // unknown field: ignored, as OTLP/JSON asks
    }
    return absl::OkStatus();
  }
  out->append("null");  // an empty AnyValue
  return absl::OkStatus();
}

std::string_view StringField(dom::object o, std::string_view camel,
                             std::string_view snake) {
  std::string_view s;
  if (Field(o, camel, snake).get_string().get(s)) return {};
  return s;
}

absl::Status ReadRecord(dom::element e, internal::OtlpBuilder* builder,
                        std::string* line) {
  dom::object rec;
  if (e.get_object().get(rec))
    return Malformed("a log record must be an object");
  uint64_t time_ns = 0, observed_ns = 0;
  dom::element v;
  if (Field(rec, "timeUnixNano", "time_unix_nano").get(v) ==
          simdjson::SUCCESS &&
      !ReadU64(v, &time_ns)) {
    return Malformed("timeUnixNano must be an integer");
  }
  if (Field(rec, "observedTimeUnixNano", "observed_time_unix_nano").get(v) ==
          simdjson::SUCCESS &&
      !ReadU64(v, &observed_ns)) {
    return Malformed("observedTimeUnixNano must be an integer");
  }
  int64_t severity = 0;
  if (Field(rec, "severityNumber", "severity_number").get(v) ==
          simdjson::SUCCESS &&
      !ReadInt(v, &severity)) {
    severity = 0;  // an enum name: severityText decides
  }
  line->clear();
  line->push_back('{');
  dom::element body;
  if (rec["body"].get(body) == simdjson::SUCCESS) {
    dom::object bo;
    dom::element kvlist, values;
    if (body.get_object().get(bo) == simdjson::SUCCESS &&
        (Field(bo, "kvlistValue", "kvlist_value").get(kvlist) ==
         simdjson::SUCCESS)) {
      if (kvlist["values"].get(values) == simdjson::SUCCESS) {
        absl::Status st = RenderKeyValues(values, line, 1);
        if (!st.ok()) return st;
      }
    } else {
      line->append("\"body\":");
      absl::Status st = RenderAny(body, line, 1);
      if (!st.ok()) return st;
    }
  }
  dom::element attrs;
  if (rec["attributes"].get(attrs) == simdjson::SUCCESS) {
    dom::array a;
    if (attrs.get_array().get(a) == simdjson::SUCCESS && a.size() > 0) {
      if (line->size() > 1) line->push_back(',');
      line->append("\"attributes\":{");
      absl::Status st = RenderKeyValues(attrs, line, 1);
      if (!st.ok()) return st;
      line->push_back('}');
    } else if (attrs.get_array().error()) {
      return Malformed("attributes must be a list");
    }
  }
  line->push_back('}');
  builder->AddRecord(time_ns, observed_ns, severity,
                     StringField(rec, "severityText", "severity_text"), *line,
                     StringField(rec, "traceId", "trace_id"),
                     StringField(rec, "spanId", "span_id"));
  return absl::OkStatus();
}

absl::Status ReadResource(dom::element e, internal::OtlpBuilder* builder,
                          std::string* scratch) {
  dom::object rl;
  if (e.get_object().get(rl))
    return Malformed("resourceLogs[] must be objects");
  builder->BeginResource();
  dom::element attrs;
  if (rl["resource"]["attributes"].get(attrs) == simdjson::SUCCESS) {
    dom::array a;
    if (attrs.get_array().get(a)) return Malformed("resource.attributes");
    for (dom::element kv : a) {
      std::string_view key, s;
      if (kv["key"].get_string().get(key)) {
        return Malformed("a KeyValue needs a string key");
      }
      dom::element value;
      if (kv["value"].get(value)) continue;
      if (value["stringValue"].get_string().get(s) == simdjson::SUCCESS) {
        builder->ResourceAttribute(key, s);
        continue;
      }
      scratch->clear();
      absl::Status st = RenderAny(value, scratch, 1);
      if (!st.ok()) return st;
      builder->ResourceAttribute(key, *scratch);
    }
  }
  dom::element scopes;
  if (Field(rl, "scopeLogs", "scope_logs").get(scopes) &&
      rl["instrumentationLibraryLogs"].get(scopes)) {
    return absl::OkStatus();  // a resource without records
  }
  dom::array sa;
  if (scopes.get_array().get(sa)) return Malformed("scopeLogs must be a list");
  std::string line;
  for (dom::element se : sa) {
    dom::object sl;
    if (se.get_object().get(sl))
      return Malformed("scopeLogs[] must be objects");
    dom::object scope;
    std::string_view name, version;
    if (sl["scope"].get_object().get(scope) == simdjson::SUCCESS ||
        sl["instrumentationLibrary"].get_object().get(scope) ==
            simdjson::SUCCESS) {
      name = StringField(scope, "name", "");
      version = StringField(scope, "version", "");
    }
    builder->BeginScope(name, version);
    dom::element records;
    if (Field(sl, "logRecords", "log_records").get(records)) continue;
    dom::array ra;
    if (records.get_array().get(ra))
      return Malformed("logRecords must be a list");
    for (dom::element r : ra) {
      absl::Status st = ReadRecord(r, builder, &line);
      if (!st.ok()) return st;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status DecodeOtlpLogsJson(std::string_view body, size_t max_line_bytes,
                                RecordBatch* batch, OtlpResult* result) {
  thread_local dom::parser parser;
  const simdjson::padded_string padded(body);
  dom::element root;
  if (auto err = parser.parse(padded).get(root)) {
    return Malformed(simdjson::error_message(err));
  }
  dom::object top;
  if (root.get_object().get(top)) {
    return Malformed("expected an ExportLogsServiceRequest object");
  }
  dom::element resources;
  if (Field(top, "resourceLogs", "resource_logs").get(resources)) {
    return absl::OkStatus();  // {}: nothing to store
  }
  dom::array ra;
  if (resources.get_array().get(ra))
    return Malformed("resourceLogs must be a list");
  internal::OtlpBuilder builder(max_line_bytes, batch, result);
  std::string scratch;
  for (dom::element r : ra) {
    absl::Status st = ReadResource(r, &builder, &scratch);
    if (!st.ok()) return st;
  }
  return absl::OkStatus();
}

std::string OtlpResponseJson(const OtlpResult& result) {
  if (result.rejected == 0) return "{}";
  std::string out =
      absl::StrCat("{\"partialSuccess\":{\"rejectedLogRecords\":\"",
                   result.rejected, "\",\"errorMessage\":\"");
  AppendJsonEscaped(&out, result.error_message);
  out += "\"}}";
  return out;
}

}  // namespace silt::parse
