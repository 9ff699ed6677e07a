// The Kafka input's consumer: one thread that owns every librdkafka call
// (poll, rebalance, offsets store, commit, pause, seek), the batches being
// built, and the partitions' pause state; done callbacks of batches touch
// only Shared. Contract: ingest/kafka_format.md. Thread-safe public methods.
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "common/metrics.h"
#include "ingest/internal/kafka_offsets.h"
#include "ingest/kafka_source.h"

namespace silt::ingest::internal {

class KafkaConsumer {
 public:
  KafkaConsumer(const KafkaOptions& options, BatchSink sink);
  ~KafkaConsumer();  // Stop()

  absl::Status Start();
  void Stop();
  std::string Degraded() const;

 private:
  using Clock = std::chrono::steady_clock;

  // What done callbacks share with the consumer; outlives it if a batch is
  // still in flight when the consumer gives up waiting.
  struct Shared {
    OffsetTracker tracker;
    std::mutex mu;
    std::condition_variable cv;
    size_t inflight_bytes = 0;
    size_t inflight_batches = 0;
    rd_kafka_queue_t* wake = nullptr;  // yielded when a batch is done
    std::string last_failure;
  };

  struct PartState {
    bool paused = false;  // paused in librdkafka now
    bool retry = false;   // waiting to be rewound after a failure
    Clock::time_point retry_at;
    int backoff_ms = 0;
    int64_t last_taken = -1;  // offsets at or below were already taken
    int64_t rewind_to = -1;   // where a pending rewind seeks to
  };

  struct Pending {
    RecordBatch batch;
    std::map<int32_t, std::pair<int64_t, int64_t>> ranges;  // first, last
    size_t messages = 0;
    size_t value_bytes = 0;  // counted into the metrics at Submit
    size_t lines = 0;
  };
  // The partition of the last message taken (messages come in runs of one
  // partition); reset whenever assigned_ changes.
  struct TakeCache {
    rd_kafka_topic_t* rkt = nullptr;
    int32_t partition = -1;
    PartState* state = nullptr;
    const std::string* topic = nullptr;  // key in assigned_
    Pending* pending = nullptr;
  };

  // kafka_client.cc: configuration and callbacks.
  absl::Status CreateClient();
  static void RebalanceCb(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* parts, void* opaque);
  static void ErrorCb(rd_kafka_t* rk, int err, const char* reason,
                      void* opaque);
  static int StatsCb(rd_kafka_t* rk, char* json, size_t len, void* opaque);
  void OnStats(std::string_view json);
  void OnError(rd_kafka_resp_err_t err, const std::string& reason);

  // kafka_consumer.cc: the loop and batches.
  void Run();
  void Take(rd_kafka_message_t* m);
  void Submit(const std::string& topic);
  void SubmitPending();
  static void BatchDone(const std::shared_ptr<Shared>& shared,
                        const std::vector<OffsetTracker::Token>& tokens,
                        size_t bytes, const absl::Status& status);
  void StoreOffsets();
  bool WaitAllIdle(Clock::time_point deadline);
  void Shutdown();

  // kafka_partitions.cc: rebalances, pause and resume, rewinds.
  void Assign(rd_kafka_topic_partition_list_t* parts);
  void Revoke(rd_kafka_topic_partition_list_t* parts, bool lost);
  void CommitSync(const char* why);
  // Backpressure (kafka_format.md). True if it waited for room instead of
  // letting the loop poll.
  bool Throttle();
  bool Full();
  void HandleFailures();
  void RetryDue();
  void SetPaused(const std::vector<PartitionId>& ids, bool paused);
  void UpdatePausedGauge();

  const KafkaOptions options_;
  const BatchSink sink_;
  const std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();

  rd_kafka_t* rk_ = nullptr;
  rd_kafka_queue_t* queue_ = nullptr;
  bool cooperative_ = false;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex stop_mu_;
  bool stopped_ = false;
  Clock::time_point started_;

  // Consumer thread only.
  std::map<PartitionId, PartState> assigned_;
  std::map<std::string, Pending> pending_;
  TakeCache cache_;
  bool bp_paused_ = false;
  Clock::time_point full_since_;  // in-flight budget full since; 0: not
  Counter& lines_received_;
  Counter& bytes_received_;

  // Health, read by Degraded() from any thread.
  mutable std::mutex health_mu_;
  bool brokers_down_ = false;
  std::string broker_error_;
  std::map<std::string, std::string> missing_topics_;
  std::string fatal_;
  std::string store_error_;
};

}  // namespace silt::ingest::internal
