// OTLP/HTTP logs (ExportLogsServiceRequest, JSON encoding) into a
// RecordBatch. Pure function over the body; thread-safe. The mapping is in
// parse/otlp_format.md.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "common/record_batch.h"

namespace silt::parse {

struct OtlpResult {
  size_t accepted = 0;
  size_t rejected = 0;        // log records refused (line too long)
  std::string error_message;  // why, for partialSuccess.errorMessage
};

// Appends one record per log record. kInvalidArgument with a message for a
// body that is not an ExportLogsServiceRequest (nothing appended then).
// Records whose rendered line exceeds max_line_bytes (0: no limit) are
// refused one by one into `result`.
absl::Status DecodeOtlpLogsJson(std::string_view body, size_t max_line_bytes,
                                RecordBatch* batch, OtlpResult* result);

// The same for an ExportLogsServiceRequest in protobuf
// (Content-Type: application/x-protobuf); the same mapping.
absl::Status DecodeOtlpLogsProto(std::string_view body, size_t max_line_bytes,
                                 RecordBatch* batch, OtlpResult* result);

// The ExportLogsServiceResponse body: "{}", or with partialSuccess when
// records were refused.
std::string OtlpResponseJson(const OtlpResult& result);
// The same message in protobuf.
std::string OtlpResponseProto(const OtlpResult& result);
// A google.rpc.Status in protobuf, the body of an error answer to a
// protobuf request.
std::string OtlpStatusProto(int code, std::string_view message);

}  // namespace silt::parse
