// OTLP logs in protobuf: walks the generated messages and renders each
// record's line the way the JSON decoder does (parse/otlp_format.md).
#include <charconv>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "otlp_logs.pb.h"
#include "parse/internal/otlp_builder.h"
#include "parse/otlp_logs.h"

namespace silt::parse {
namespace {

constexpr int kMaxDepth = 32;

void AppendQuoted(std::string* out, std::string_view s) {
  out->push_back('"');
  AppendJsonEscaped(out, s);
  out->push_back('"');
}

bool RenderAny(const otlp::AnyValue& v, std::string* out, int depth);

bool RenderKeyValues(
    const google::protobuf::RepeatedPtrField<otlp::KeyValue>& kvs,
    std::string* out, int depth) {
  bool first = out->empty() || out->back() == '{';
  for (const otlp::KeyValue& kv : kvs) {
    if (!first) out->push_back(',');
    first = false;
    AppendQuoted(out, kv.key());
    out->push_back(':');
    if (!kv.has_value()) {
      out->append("null");
    } else if (!RenderAny(kv.value(), out, depth + 1)) {
      return false;
    }
  }
  return true;
}

bool RenderAny(const otlp::AnyValue& v, std::string* out, int depth) {
  if (depth > kMaxDepth) return false;
  switch (v.value_case()) {
    case otlp::AnyValue::kStringValue:
      AppendQuoted(out, v.string_value());
      return true;
    case otlp::AnyValue::kBoolValue:
      out->append(v.bool_value() ? "true" : "false");
      return true;
    case otlp::AnyValue::kIntValue:
      absl::StrAppend(out, v.int_value());
      return true;
    case otlp::AnyValue::kDoubleValue: {
      const double d = v.double_value();
      if (std::isnan(d)) {
        AppendQuoted(out, "NaN");
      } else if (std::isinf(d)) {
        AppendQuoted(out, d > 0 ? "Infinity" : "-Infinity");
      } else {
        char buf[32];
        auto r = std::to_chars(buf, buf + sizeof buf, d);
        out->append(buf, r.ptr);
      }
      return true;
    }
    case otlp::AnyValue::kArrayValue: {
      out->push_back('[');
      bool first = true;
      for (const otlp::AnyValue& item : v.array_value().values()) {
        if (!first) out->push_back(',');
        first = false;
        if (!RenderAny(item, out, depth + 1)) return false;
      }
      out->push_back(']');
      return true;
    }
    case otlp::AnyValue::kKvlistValue:
      out->push_back('{');
      if (!RenderKeyValues(v.kvlist_value().values(), out, depth + 1)) {
        return false;
      }
      out->push_back('}');
      return true;
    case otlp::AnyValue::kBytesValue:
      out->push_back('"');
      internal::AppendBase64(out, v.bytes_value());
      out->push_back('"');
      return true;
    case otlp::AnyValue::VALUE_NOT_SET:
      break;
  }
  out->append("null");
  return true;
}

void AppendHex(std::string* out, std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char c : bytes) {
    out->push_back(kHex[c >> 4]);
    out->push_back(kHex[c & 15]);
  }
}

absl::Status TooDeep() {
  return absl::InvalidArgumentError(
      "invalid OTLP logs body: values nested too deep");
}

}  // namespace

absl::Status DecodeOtlpLogsProto(std::string_view body, size_t max_line_bytes,
                                 RecordBatch* batch, OtlpResult* result) {
  otlp::ExportLogsServiceRequest req;
  if (!req.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return absl::InvalidArgumentError(
        "invalid OTLP logs body: not an ExportLogsServiceRequest protobuf");
  }
  internal::OtlpBuilder builder(max_line_bytes, batch, result);
  std::string line, scratch, trace_hex, span_hex;
  for (const otlp::ResourceLogs& rl : req.resource_logs()) {
    builder.BeginResource();
    for (const otlp::KeyValue& kv : rl.resource().attributes()) {
      if (kv.value().value_case() == otlp::AnyValue::kStringValue) {
        builder.ResourceAttribute(kv.key(), kv.value().string_value());
        continue;
      }
      scratch.clear();
      if (!RenderAny(kv.value(), &scratch, 1)) return TooDeep();
      builder.ResourceAttribute(kv.key(), scratch);
    }
    const auto& scopes = rl.scope_logs().empty()
                             ? rl.instrumentation_library_logs()
                             : rl.scope_logs();
    for (const otlp::ScopeLogs& sl : scopes) {
      builder.BeginScope(sl.scope().name(), sl.scope().version());
      for (const otlp::LogRecord& rec : sl.log_records()) {
        line.assign("{");
        if (rec.has_body()) {
          if (rec.body().value_case() == otlp::AnyValue::kKvlistValue) {
            if (!RenderKeyValues(rec.body().kvlist_value().values(), &line,
                                 1)) {
              return TooDeep();
            }
          } else {
            line.append("\"body\":");
            if (!RenderAny(rec.body(), &line, 1)) return TooDeep();
          }
        }
        if (!rec.attributes().empty()) {
          if (line.size() > 1) line.push_back(',');
          line.append("\"attributes\":{");
          if (!RenderKeyValues(rec.attributes(), &line, 1)) return TooDeep();
          line.push_back('}');
        }
        line.push_back('}');
        trace_hex.clear();
        span_hex.clear();
        AppendHex(&trace_hex, rec.trace_id());
        AppendHex(&span_hex, rec.span_id());
        builder.AddRecord(rec.time_unix_nano(), rec.observed_time_unix_nano(),
                          rec.severity_number(), rec.severity_text(), line,
                          trace_hex, span_hex);
      }
    }
  }
  return absl::OkStatus();
}

std::string OtlpResponseProto(const OtlpResult& result) {
  otlp::ExportLogsServiceResponse resp;
  if (result.rejected != 0) {
    auto* partial = resp.mutable_partial_success();
    partial->set_rejected_log_records(static_cast<int64_t>(result.rejected));
    partial->set_error_message(result.error_message);
  }
  return resp.SerializeAsString();
}

std::string OtlpStatusProto(int code, std::string_view message) {
  otlp::Status status;
  status.set_code(code);
  status.set_message(std::string(message));
  return status.SerializeAsString();
}

}  // namespace silt::parse
