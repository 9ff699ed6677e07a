#include "ingest/internal/kafka_framing.h"

#include <algorithm>

#include "parse/loki_push.h"

namespace silt::ingest::internal {

int64_t KafkaLineTimestampNs(int64_t ts_ms, int64_t offset, size_t k) {
  if (ts_ms < 0) return 0;
  const int64_t sub =
      (offset % 1000) * 1000 + static_cast<int64_t>(std::min<size_t>(k, 999));
  return ts_ms * 1000000 + sub;
}

size_t AppendKafkaMessage(std::string_view value, int64_t offset, int64_t ts_ms,
                          size_t max_line_bytes, RecordBatch* batch) {
  const size_t first = batch->size();
  const size_t n = parse::SplitNdjson(value, max_line_bytes, batch);
  for (size_t k = 0; k < n; ++k) {
    batch->record(first + k).ts_ns = KafkaLineTimestampNs(ts_ms, offset, k);
  }
  return n;
}

}  // namespace silt::ingest::internal
