// The parts of librdkafka's statistics JSON (STATISTICS.md in librdkafka)
// the Kafka input uses: broker connection states and per-partition lag.
// Pure function; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace silt::ingest::internal {

struct KafkaStats {
  int brokers = 0;     // configured and learned brokers (not internal ones)
  int brokers_up = 0;  // of which connected (state "UP")
  struct Lag {
    std::string topic;
    int32_t partition = 0;
    int64_t lag = 0;  // high watermark minus the stored offset
  };
  std::vector<Lag> lags;  // partitions with a known lag
  // Topics the client has metadata for (at least one partition).
  std::vector<std::string> topics;
};

// False if `json` is not a statistics object.
bool ParseKafkaStats(std::string_view json, KafkaStats* out);

}  // namespace silt::ingest::internal
