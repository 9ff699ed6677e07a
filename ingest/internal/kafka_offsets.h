// Which offsets of which partitions are durable, for the Kafka input's
// commit rules (ingest/kafka_format.md): per partition, ranges of offsets in
// the order they were taken; the offset to store is the end of the longest
// prefix of ranges done OK. Complete() may be called from any thread (done
// callbacks); the rest from the consumer thread. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace silt::ingest::internal {

struct PartitionId {
  std::string topic;
  int32_t partition = 0;
  bool operator<(const PartitionId& o) const {
    return partition != o.partition ? partition < o.partition : topic < o.topic;
  }
  bool operator==(const PartitionId& o) const {
    return partition == o.partition && topic == o.topic;
  }
};

class OffsetTracker {
 public:
  // Names one range handed to a batch.
  struct Token {
    PartitionId partition;
    uint64_t generation = 0;
    uint64_t seq = 0;
  };

  // Offsets [first, last] of `p` go into a batch about to be submitted.
  // REQUIRES: first > the last offset of the previous range of `p` (since
  // the last Rewind or Forget).
  Token Begin(const PartitionId& p, int64_t first, int64_t last);
  // The batch holding `token` is done: durable (ok) or not. Tokens of an
  // older generation (before a Rewind or Forget) are ignored.
  void Complete(const Token& token, bool ok);

  // Partitions whose durable prefix grew since the last call, with the
  // offset to store (last durable offset + 1).
  std::vector<std::pair<PartitionId, int64_t>> TakeStorable();
  // Partitions with a range that failed since the last call, once each.
  std::vector<PartitionId> TakeFailed();
  // Forgets the ranges of `p` still held (in flight or failed) and starts a
  // new generation; returns the first offset not known durable (where to
  // seek), or -1 if no range was held.
  int64_t Rewind(const PartitionId& p);
  // The partition is given up: forgets it (a later Begin starts afresh).
  void Forget(const PartitionId& p);

  // Ranges of `p` whose batch is not done yet.
  size_t InFlight(const PartitionId& p) const;
  size_t InFlightTotal() const;
  // Waits until none of `ps` has a range in flight, or until `deadline`.
  // True if none has.
  bool WaitIdle(const std::vector<PartitionId>& ps,
                std::chrono::steady_clock::time_point deadline);

 private:
  enum class State : uint8_t { kPending, kOk, kFailed };
  struct Range {
    int64_t first, last;
    State state;
  };
  struct Partition {
    uint64_t generation = 0;
    uint64_t front_seq = 0;  // seq of ranges.front()
    std::deque<Range> ranges;
    size_t pending = 0;
    int64_t storable = -1;  // offset to store; -1 none yet
    bool storable_new = false;
    bool failed_new = false;
  };

  Partition& GetLocked(const PartitionId& p);

  mutable std::mutex mu_;
  std::condition_variable idle_cv_;
  std::map<PartitionId, Partition> parts_;
  uint64_t next_generation_ = 1;
  size_t pending_total_ = 0;
};

}  // namespace silt::ingest::internal
