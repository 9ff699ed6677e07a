// Kafka message framing (ingest/kafka_format.md): a message value is one
// line or several newline-separated lines; lines without a time field of
// their own take a timestamp derived from the message. Pure functions;
// thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/record_batch.h"

namespace silt::ingest::internal {

// The timestamp of line `k` of the message at `offset` with timestamp
// `ts_ms` (milliseconds): ts_ms * 1e6 + (offset mod 1000) * 1000 +
// min(k, 999). 0 when ts_ms < 0 (no timestamp: the batch's arrival time).
int64_t KafkaLineTimestampNs(int64_t ts_ms, int64_t offset, size_t k);

// Appends the lines of one message value to `batch` (origin 0), each with
// its timestamp from the rule above as ts_ns; returns how many. The batch
// must have source_ts_fallback set, so a line's own time field wins. As
// parse::SplitNdjson: CR before LF dropped, empty lines skipped, lines longer
// than max_line_bytes (0: no limit) cut at a UTF-8 boundary, marked
// Reject::kTruncated and counted under batch->input.
size_t AppendKafkaMessage(std::string_view value, int64_t offset, int64_t ts_ms,
                          size_t max_line_bytes, RecordBatch* batch);

}  // namespace silt::ingest::internal
