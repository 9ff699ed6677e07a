// Loki's snappy-compressed protobuf push body.
#include <snappy.h>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "loki_push.pb.h"
#include "parse/loki_push.h"

namespace silt::parse {
namespace {

constexpr char kNoLabelsError[] =
    "error at least one label pair is required per stream";

// A stream's labels, or why the stream is refused.
std::string StreamLabels(const std::string& text, Labels* labels) {
  if (!ParseLabels(text, labels)) {
    return absl::StrCat("error parsing labels '", text, "'");
  }
  for (const Label& label : *labels) {
    if (!IsValidLabelName(label.first)) {
      return absl::StrCat("error parsing labels: invalid label name '",
                          label.first, "'");
    }
  }
  if (labels->empty()) return kNoLabelsError;
  return "";
}

}  // namespace

absl::Status DecodeLokiPushProto(std::string_view body, size_t max_line_bytes,
                                 size_t max_body_bytes, RecordBatch* batch,
                                 PushResult* result) {
  size_t plain_size = 0;
  if (!snappy::GetUncompressedLength(body.data(), body.size(), &plain_size)) {
    return absl::InvalidArgumentError(
        "invalid push body: not snappy-compressed (raw block format)");
  }
  if (max_body_bytes != 0 && plain_size > max_body_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("push body too large: ", plain_size,
                     " bytes uncompressed, limit ", max_body_bytes));
  }
  std::string plain;
  if (!snappy::Uncompress(body.data(), body.size(), &plain)) {
    return absl::InvalidArgumentError("invalid push body: corrupt snappy data");
  }
  silt::logproto::PushRequest req;
  if (!req.ParseFromString(plain)) {
    return absl::InvalidArgumentError(
        "invalid push body: not a Loki PushRequest protobuf");
  }
  std::string metadata;
  for (const auto& stream : req.streams()) {
    Labels labels;
    const std::string refusal = StreamLabels(stream.labels(), &labels);
    if (!refusal.empty()) {
      if (stream.entries_size() > 0) result->errors.push_back(refusal);
      continue;
    }
    bool has_origin = false;
    uint32_t origin = 0;
    for (const auto& entry : stream.entries()) {
      const std::string& line = entry.line();
      if (max_line_bytes != 0 && line.size() > max_line_bytes) {
        result->errors.push_back(absl::StrCat(
            "stream '", LabelsToString(labels), "' has an entry too long: ",
            line.size(), " bytes, limit ", max_line_bytes));
        continue;
      }
      const int64_t seconds = entry.timestamp().seconds();
      const int32_t nanos = entry.timestamp().nanos();
      if (seconds < 0 || seconds > INT64_MAX / 1000000000 - 1 || nanos < 0 ||
          nanos > 999999999) {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid push body: stream '", stream.labels(),
                         "' has an entry with an invalid timestamp"));
      }
      if (!has_origin) {
        has_origin = true;
        origin = static_cast<uint32_t>(batch->origins.size());
        batch->origins.push_back(labels);
      }
      const uint32_t i =
          batch->Append(line, origin, seconds * 1000000000 + nanos);
      metadata.clear();
      std::string_view trace_id, span_id;
      for (const auto& pair : entry.structuredmetadata()) {
        metadata += metadata.empty() ? "{\"" : ",\"";
        AppendJsonEscaped(&metadata, pair.name());
        metadata += "\":\"";
        AppendJsonEscaped(&metadata, pair.value());
        metadata += '"';
        const std::string& n = pair.name();
        if (n == "trace_id" || n == "traceId" || n == "traceID") {
          trace_id = pair.value();
        } else if (n == "span_id" || n == "spanId" || n == "spanID") {
          span_id = pair.value();
        }
      }
      if (!metadata.empty()) {
        metadata += '}';
        batch->SetMetadata(i, metadata);
      }
      if (!trace_id.empty()) batch->SetTraceId(i, trace_id);
      if (!span_id.empty()) batch->SetSpanId(i, span_id);
      ++result->accepted;
    }
  }
  return absl::OkStatus();
}

}  // namespace silt::parse
