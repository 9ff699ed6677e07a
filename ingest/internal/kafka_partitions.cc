// Partitions of the consumer: rebalances (commit on revoke), pause and
// resume under backpressure, rewinds after a batch was not stored.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/metrics.h"
#include "ingest/internal/kafka_consumer.h"

namespace silt::ingest::internal {
namespace {

constexpr int kFirstBackoffMs = 100;
constexpr int kMaxBackoffMs = 10000;

std::vector<PartitionId> Ids(const rd_kafka_topic_partition_list_t* parts) {
  std::vector<PartitionId> ids;
  for (int i = 0; i < parts->cnt; ++i) {
    ids.push_back(
        PartitionId{parts->elems[i].topic, parts->elems[i].partition});
  }
  return ids;
}

rd_kafka_topic_partition_list_t* List(const std::vector<PartitionId>& ids) {
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(ids.size()));
  for (const PartitionId& id : ids) {
    rd_kafka_topic_partition_list_add(list, id.topic.c_str(), id.partition);
  }
  return list;
}

}  // namespace

void KafkaConsumer::Assign(rd_kafka_topic_partition_list_t* parts) {
  rd_kafka_error_t* error = nullptr;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  if (cooperative_) {
    error = rd_kafka_incremental_assign(rk_, parts);
  } else {
    err = rd_kafka_assign(rk_, parts);
  }
  if (error != nullptr || err) {
    LogWarn("kafka assign failed",
            {{"error",
              error ? rd_kafka_error_string(error) : rd_kafka_err2str(err)}});
    if (error != nullptr) rd_kafka_error_destroy(error);
    return;
  }
  const std::vector<PartitionId> ids = Ids(parts);
  cache_ = TakeCache();
  for (const PartitionId& id : ids) {
    assigned_[id] = PartState();
    shared_->tracker.Forget(id);
  }
  {
    std::lock_guard<std::mutex> lock(health_mu_);
    for (const PartitionId& id : ids) missing_topics_.erase(id.topic);
  }
  if (bp_paused_) SetPaused(ids, true);
  Metrics().kafka_rebalances.With({"assigned"}).Inc();
  Metrics().kafka_assigned.With({}).Set(static_cast<int64_t>(assigned_.size()));
  LogInfo("kafka partitions assigned",
          {{"count", std::to_string(ids.size())},
           {"total", std::to_string(assigned_.size())}});
}

void KafkaConsumer::CommitSync(const char* why) {
  rd_kafka_resp_err_t err = rd_kafka_commit(rk_, nullptr, /*async=*/0);
  // _NO_OFFSET: nothing stored since the last commit.
  if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
    Metrics().kafka_commits.With({"error"}).Inc();
    LogWarn(
        "kafka commit failed; the partitions' last messages will be read "
        "again (and collapse)",
        {{"when", why}, {"error", rd_kafka_err2str(err)}});
    return;
  }
  Metrics().kafka_commits.With({"ok"}).Inc();
}

void KafkaConsumer::Revoke(rd_kafka_topic_partition_list_t* parts, bool lost) {
  const std::vector<PartitionId> ids = Ids(parts);
  if (!lost) {
    // What was taken from these partitions becomes durable, then its
    // offsets are committed before another member may read them.
    SubmitPending();
    if (!shared_->tracker.WaitIdle(
            ids, Clock::now() +
                     std::chrono::milliseconds(options_.commit_wait_ms))) {
      LogWarn(
          "kafka revoke: batches still in flight; their messages will be "
          "read again by the next owner (and collapse)");
    }
    StoreOffsets();
    CommitSync("revoke");
  }
  cache_ = TakeCache();
  for (const PartitionId& id : ids) {
    shared_->tracker.Forget(id);
    assigned_.erase(id);
    Metrics().kafka_lag.Erase({id.topic, std::to_string(id.partition)});
  }
  // Batches being built hold messages of these partitions only if taken
  // after SubmitPending above, which cannot happen inside this callback.
  if (cooperative_) {
    rd_kafka_error_t* error = rd_kafka_incremental_unassign(rk_, parts);
    if (error != nullptr) {
      LogWarn("kafka unassign failed",
              {{"error", rd_kafka_error_string(error)}});
      rd_kafka_error_destroy(error);
    }
  } else {
    rd_kafka_assign(rk_, nullptr);
    assigned_.clear();
  }
  Metrics().kafka_rebalances.With({lost ? "lost" : "revoked"}).Inc();
  Metrics().kafka_assigned.With({}).Set(static_cast<int64_t>(assigned_.size()));
  UpdatePausedGauge();
  LogInfo(lost ? "kafka partitions lost" : "kafka partitions revoked",
          {{"count", std::to_string(ids.size())}});
}

void KafkaConsumer::SetPaused(const std::vector<PartitionId>& ids,
                              bool paused) {
  std::vector<PartitionId> change;
  for (const PartitionId& id : ids) {
    auto it = assigned_.find(id);
    if (it == assigned_.end() || it->second.paused == paused) continue;
    it->second.paused = paused;
    change.push_back(id);
  }
  if (change.empty()) return;
  rd_kafka_topic_partition_list_t* list = List(change);
  if (paused) {
    rd_kafka_pause_partitions(rk_, list);
  } else {
    rd_kafka_resume_partitions(rk_, list);
  }
  rd_kafka_topic_partition_list_destroy(list);
  UpdatePausedGauge();
}

void KafkaConsumer::UpdatePausedGauge() {
  int64_t n = 0;
  for (const auto& [id, st] : assigned_) n += st.paused ? 1 : 0;
  Metrics().kafka_paused.With({}).Set(n);
}

bool KafkaConsumer::Throttle() {
  std::unique_lock<std::mutex> lock(shared_->mu);
  const size_t max = options_.max_inflight_bytes;
  if (bp_paused_) {
    if (shared_->inflight_bytes > max / 2) return false;  // keep polling
    lock.unlock();
    bp_paused_ = false;
    full_since_ = Clock::time_point();
    std::vector<PartitionId> ids;
    for (const auto& [id, st] : assigned_) {
      if (!st.retry) ids.push_back(id);
    }
    SetPaused(ids, false);
    return false;
  }
  if (shared_->inflight_bytes < max) {
    full_since_ = Clock::time_point();
    return false;
  }
  // Full. A short stall is waited out without polling: librdkafka stops
  // fetching by itself once its own queue is full, and keeps what it
  // fetched. Pausing would throw that away (a pause purges the partition's
  // queue) and fetch it again on resume, so it is for stalls that last.
  const Clock::time_point now = Clock::now();
  if (full_since_ == Clock::time_point()) full_since_ = now;
  if (now - full_since_ < std::chrono::milliseconds(options_.pause_after_ms)) {
    shared_->cv.wait_for(lock, std::chrono::milliseconds(50), [&] {
      return shared_->inflight_bytes < max || stop_.load();
    });
    return true;
  }
  lock.unlock();
  bp_paused_ = true;
  std::vector<PartitionId> ids;
  for (const auto& [id, st] : assigned_) ids.push_back(id);
  SetPaused(ids, true);
  Metrics().kafka_pauses.With({"backpressure"}).Inc();
  return false;
}

bool KafkaConsumer::Full() {
  std::lock_guard<std::mutex> lock(shared_->mu);
  return shared_->inflight_bytes >= options_.max_inflight_bytes;
}

void KafkaConsumer::HandleFailures() {
  const std::vector<PartitionId> failed = shared_->tracker.TakeFailed();
  if (failed.empty()) return;
  std::string failure;
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    failure = shared_->last_failure;
  }
  {
    std::lock_guard<std::mutex> lock(health_mu_);
    store_error_ = failure;
  }
  std::vector<PartitionId> pause;
  for (const PartitionId& id : failed) {
    auto it = assigned_.find(id);
    if (it == assigned_.end() || it->second.retry) continue;
    PartState& st = it->second;
    st.retry = true;
    st.backoff_ms = st.backoff_ms == 0
                        ? kFirstBackoffMs
                        : std::min(st.backoff_ms * 2, kMaxBackoffMs);
    st.retry_at = Clock::now() + std::chrono::milliseconds(st.backoff_ms);
    pause.push_back(id);
    Metrics().kafka_pauses.With({"retry"}).Inc();
    LogWarn("kafka batch not stored; partition paused, rewound after backoff",
            {{"topic", id.topic},
             {"partition", std::to_string(id.partition)},
             {"backoff_ms", std::to_string(st.backoff_ms)},
             {"error", failure}});
  }
  SetPaused(pause, true);
}

void KafkaConsumer::RetryDue() {
  const Clock::time_point now = Clock::now();
  std::vector<PartitionId> resume;
  for (auto& [id, st] : assigned_) {
    if (!st.retry || now < st.retry_at) continue;
    // The tracker forgets the partition's ranges once; the offset to go
    // back to is kept until the seek succeeds.
    if (st.rewind_to < 0) st.rewind_to = shared_->tracker.Rewind(id);
    if (st.rewind_to >= 0) {
      rd_kafka_topic_partition_list_t* list = List({id});
      list->elems[0].offset = st.rewind_to;
      rd_kafka_error_t* error = rd_kafka_seek_partitions(rk_, list, 5000);
      rd_kafka_resp_err_t part_err = list->elems[0].err;
      rd_kafka_topic_partition_list_destroy(list);
      if (error != nullptr || part_err) {
        LogWarn("kafka seek failed; retrying",
                {{"topic", id.topic},
                 {"partition", std::to_string(id.partition)},
                 {"error", error ? rd_kafka_error_string(error)
                                 : rd_kafka_err2str(part_err)}});
        if (error != nullptr) rd_kafka_error_destroy(error);
        st.retry_at = now + std::chrono::milliseconds(st.backoff_ms);
        continue;
      }
      st.last_taken = st.rewind_to - 1;
      st.rewind_to = -1;
    }
    st.retry = false;
    if (!bp_paused_) resume.push_back(id);
  }
  SetPaused(resume, false);
}

}  // namespace silt::ingest::internal
