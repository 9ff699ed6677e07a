// Kafka input: one librdkafka consumer in a consumer group, reading
// newline-delimited JSON messages from one or more topics. Framing, the
// timestamp rule and the offset commit rules are in ingest/kafka_format.md:
// offsets are stored only once their entries are durable; on revoke and on
// Stop() everything taken is made durable and committed synchronously; under
// backpressure partitions are paused, never dropped. librdkafka stays out of
// this header. Thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "ingest/batch_sink.h"

namespace silt::ingest {

struct KafkaOptions {
  std::string brokers;              // bootstrap.servers, "host:port,..."
  std::vector<std::string> topics;  // names, or "^regex" (librdkafka)
  std::string group = "silt";       // group.id
  // Any librdkafka property, applied over silt's defaults (kafka_format.md).
  std::vector<std::pair<std::string, std::string>> properties;
  std::string tenant = "default";
  size_t max_line_bytes = 256 * 1024;
  // Line bytes in the pipeline past which no message is taken; if that
  // lasts pause_after_ms, every partition is paused, and resumed below half
  // of it.
  size_t max_inflight_bytes = 64u << 20;
  int pause_after_ms = 1000;
  size_t batch_bytes = 1u << 20;  // line bytes per RecordBatch
  // How long a revoke or Stop() waits for batches in flight to be durable.
  int commit_wait_ms = 30000;
};

class KafkaSource {
 public:
  // Creates the consumer, subscribes and starts its thread; the connection
  // to the brokers is made in the background (a broker that is down is
  // retried with backoff and shows in Degraded()). kInvalidArgument naming
  // the property for a configuration librdkafka refuses.
  static absl::StatusOr<std::unique_ptr<KafkaSource>> Start(
      const KafkaOptions& options, BatchSink sink);
  ~KafkaSource();  // Stop()

  // Stops taking messages, waits (up to commit_wait_ms) for the batches in
  // flight to be durable, commits their offsets synchronously, leaves the
  // group. Idempotent.
  void Stop();

  // "" while healthy, else why the input is degraded (no broker reachable,
  // a topic that does not exist, batches the store refused, a fatal client
  // error), for GET /ready.
  std::string Degraded() const;

 private:
  struct Rep;
  explicit KafkaSource(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace silt::ingest
