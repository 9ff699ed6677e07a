// Builds a RecordBatch from OTLP log records, whatever their encoding (JSON
// or protobuf): labels from the four resource attributes and the severity,
// structured metadata from the other resource attributes and the scope,
// trace ids, line limits (parse/otlp_format.md). The decoders walk their
// encoding, render each record's line and call in this order:
// BeginResource, ResourceAttribute*, BeginScope, AddRecord*, ...
// Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/labels.h"
#include "common/record_batch.h"
#include "parse/otlp_logs.h"

namespace silt::parse::internal {

class OtlpBuilder {
 public:
  OtlpBuilder(size_t max_line_bytes, RecordBatch* batch, OtlpResult* result);

  void BeginResource();
  // `text`: the value as a string (a stringValue as is, others as JSON).
  void ResourceAttribute(std::string_view key, std::string_view text);
  void BeginScope(std::string_view name, std::string_view version);
  void AddRecord(uint64_t time_ns, uint64_t observed_ns,
                 int64_t severity_number, std::string_view severity_text,
                 std::string_view line, std::string_view trace_id_hex,
                 std::string_view span_id_hex);

 private:
  uint32_t Origin(std::string_view level);

  const size_t max_line_bytes_;
  RecordBatch* const batch_;
  OtlpResult* const result_;
  Labels resource_labels_;
  std::string resource_metadata_;  // "k":"v" pairs, no braces
  uint32_t scope_metadata_ = 0;    // 1 + index into metadata_json; 0: none
  std::map<std::string, uint32_t, std::less<>> origins_;  // level -> origin
  std::string level_scratch_, hex_scratch_;
};

// Lower-cased `hex` if it is `digits` hex digits and not all zero, else "".
std::string_view OtlpHexId(std::string_view hex, size_t digits,
                           std::string* scratch);

// Base64 of bytes (bytesValue in protobuf is raw; JSON already sends it so).
void AppendBase64(std::string* out, std::string_view bytes);

}  // namespace silt::parse::internal
