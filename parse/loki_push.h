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
// entries whose line exceeds max_line_bytes (0: no limit) are refused one by
// one into result->errors; a stream without labels ("error at least one
// label pair is required per stream", Loki's message) or with an invalid
// label name is refused whole, with one message. Answer 400 with the errors
// when any, as Loki does, after storing the accepted entries.
// Loki's older shape ({"labels":"{a=\"b\"}","entries":[{"ts":RFC3339,
// "line":..}]}) is accepted too.
absl::Status DecodeLokiPushJson(std::string_view body, size_t max_line_bytes,
                                RecordBatch* batch, PushResult* result);

// Loki's protobuf push body (Content-Type: application/x-protobuf): a
// PushRequest (parse/internal/loki_push.proto, Loki's field numbers)
// compressed with snappy's raw block format, as Promtail, Alloy and Fluent
// Bit send it. Same result rules as DecodeLokiPushJson. kInvalidArgument for
// a body that is not snappy or not a PushRequest, or whose uncompressed size
// passes max_body_bytes (checked before decompressing).
absl::Status DecodeLokiPushProto(std::string_view body, size_t max_line_bytes,
                                 size_t max_body_bytes, RecordBatch* batch,
                                 PushResult* result);

// NDJSON body: one record per line (\n or \r\n); empty lines skipped; a last
// line without a newline is taken. Lines longer than max_line_bytes are
// stored cut (Reject::kTruncated, cut at a UTF-8 boundary) and counted here in
// silt_lines_rejected_total{input=batch->input, reason="line_too_long"}; the
// caller must not count them again. max_line_bytes 0: no limit. Returns the
// number of records appended.
size_t SplitNdjson(std::string_view body, size_t max_line_bytes,
                   RecordBatch* batch);

}  // namespace silt::parse
