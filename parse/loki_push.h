// Decoders for HTTP ingest bodies into a RecordBatch. Pure functions over
// the body; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "common/record_batch.h"

namespace silt::parse {

struct PushResult {
  size_t accepted = 0;
  // One message per entry refused (e.g. "stream '{app="a"}' has an entry
  // too long: 300000 bytes, limit 262144"); the others are still appended.
  std::vector<std::string> errors;
};

// Loki's JSON push body:
// {"streams":[{"stream":{"app":"api"},"values":[["<ns>","line"],
//   ["<ns>","line",{"trace_id":"ab"}]]}]}
// Each stream's labels become an origin of `batch` (they win over fields
// of the line); structured metadata becomes the record's metadata JSON and a
// `trace_id`/`traceId` key in it sets the record's trace id.
// kInvalidArgument with a message for a malformed body (nothing appended);
// entries whose line exceeds max_line_bytes or whose stream has no valid
// label are refused one by one into result->errors.
absl::Status DecodeLokiPushJson(std::string_view body, size_t max_line_bytes,
                                RecordBatch* batch, PushResult* result);

// NDJSON body: one record per line (\n or \r\n); empty lines skipped; a last
// line without a newline is taken. Lines longer than max_line_bytes are
// stored cut (Reject::kTruncated). Returns the number of records appended.
size_t SplitNdjson(std::string_view body, size_t max_line_bytes,
                   RecordBatch* batch);

}  // namespace silt::parse
