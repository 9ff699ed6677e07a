// The consumer thread: poll, frame messages into batches, submit, store the
// offsets of what is durable (ingest/kafka_format.md).
#include "ingest/internal/kafka_consumer.h"

#include <pthread.h>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/time_util.h"
#include "ingest/internal/kafka_framing.h"

namespace silt::ingest::internal {
namespace {

constexpr size_t kPollMessages = 2048;
constexpr size_t kBatchMessages = 10000;
constexpr int kPollTimeoutMs = 100;

}  // namespace

KafkaConsumer::KafkaConsumer(const KafkaOptions& options, BatchSink sink)
    : options_(options),
      sink_(std::move(sink)),
      lines_received_(Metrics().lines_received.With({"kafka"})),
      bytes_received_(Metrics().bytes_received.With({"kafka"})) {}

KafkaConsumer::~KafkaConsumer() { Stop(); }

absl::Status KafkaConsumer::Start() {
  started_ = Clock::now();
  absl::Status st = CreateClient();
  if (!st.ok()) {
    if (queue_ != nullptr) rd_kafka_queue_destroy(queue_);
    if (rk_ != nullptr) rd_kafka_destroy(rk_);
    queue_ = nullptr;
    rk_ = nullptr;
    stopped_ = true;
    return st;
  }
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "silt-kafka");
    Run();
  });
  return absl::OkStatus();
}

void KafkaConsumer::Stop() {
  std::lock_guard<std::mutex> lock(stop_mu_);
  if (stopped_) return;
  stopped_ = true;
  stop_.store(true);
  {
    std::lock_guard<std::mutex> shared_lock(shared_->mu);
    if (shared_->wake != nullptr) rd_kafka_queue_yield(shared_->wake);
  }
  if (thread_.joinable()) thread_.join();
}

void KafkaConsumer::Run() {
  std::vector<rd_kafka_message_t*> msgs(kPollMessages);
  Clock::time_point next_health = Clock::now();
  while (!stop_.load()) {
    StoreOffsets();
    HandleFailures();
    RetryDue();
    if (Throttle()) continue;  // waited for room; nothing taken
    int timeout = kPollTimeoutMs;
    for (;;) {
      const ssize_t n = rd_kafka_consume_batch_queue(queue_, timeout,
                                                     msgs.data(), msgs.size());
      if (n < 0) {
        OnError(rd_kafka_last_error(), "consume failed");
        break;
      }
      for (ssize_t i = 0; i < n; ++i) {
        Take(msgs[i]);
        rd_kafka_message_destroy(msgs[i]);
      }
      if (static_cast<size_t>(n) < msgs.size() || stop_.load() || Full()) {
        break;
      }
      timeout = 0;
    }
    SubmitPending();
    if (Clock::now() >= next_health) {
      next_health = Clock::now() + std::chrono::milliseconds(500);
      Metrics().kafka_degraded.With({}).Set(Degraded().empty() ? 0 : 1);
    }
  }
  Shutdown();
}

void KafkaConsumer::Take(rd_kafka_message_t* m) {
  if (m->err) {
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return;
    const std::string topic = m->rkt ? rd_kafka_topic_name(m->rkt) : "";
    const std::string what = rd_kafka_message_errstr(m);
    if (m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
        m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC) {
      std::lock_guard<std::mutex> lock(health_mu_);
      missing_topics_[topic] = what;
    }
    Metrics().kafka_errors.With({rd_kafka_err2name(m->err)}).Inc();
    LogWarn("kafka consume error", {{"topic", topic},
                                    {"error", rd_kafka_err2name(m->err)},
                                    {"detail", what}});
    return;
  }
  if (m->rkt != cache_.rkt || m->partition != cache_.partition) {
    auto it =
        assigned_.find(PartitionId{rd_kafka_topic_name(m->rkt), m->partition});
    if (it == assigned_.end()) return;  // not ours any more (revoked)
    cache_.rkt = m->rkt;
    cache_.partition = m->partition;
    cache_.state = &it->second;
    cache_.topic = &it->first.topic;
    cache_.pending = nullptr;
  }
  PartState& st = *cache_.state;
  // Waiting for a rewind, or already taken (librdkafka fetched it again):
  // the offsets that matter are tracked elsewhere.
  if (st.retry || m->offset <= st.last_taken) return;
  st.last_taken = m->offset;
  if (cache_.pending == nullptr) cache_.pending = &pending_[*cache_.topic];
  Pending& p = *cache_.pending;
  if (p.messages == 0) {
    // An arena the pipeline gave back (already paged in), room for the
    // whole batch: no regrowth copies and no zero-fill while filling it.
    p.batch = RecordBatch::FromPool();
    RecordBatch& b = p.batch;
    b.tenant = options_.tenant;
    b.input = "kafka";
    b.received_ns = NowNanos();
    b.sync_ack = true;
    b.source_ts_fallback = true;  // a line's own time wins over the message's
    b.fallback_labels = {{"source", "kafka"}, {"topic", *cache_.topic}};
    b.ReserveCapacity(options_.batch_bytes + (64u << 10));
  }
  rd_kafka_timestamp_type_t type;
  const int64_t ts_ms = rd_kafka_message_timestamp(m, &type);
  p.lines += AppendKafkaMessage(
      std::string_view(static_cast<const char*>(m->payload), m->len), m->offset,
      ts_ms, options_.max_line_bytes, &p.batch);
  auto [range, inserted] =
      p.ranges.try_emplace(m->partition, std::make_pair(m->offset, m->offset));
  if (!inserted) range->second.second = m->offset;
  ++p.messages;
  p.value_bytes += m->len;
  if (p.batch.line_bytes() >= options_.batch_bytes ||
      p.messages >= kBatchMessages) {
    Submit(*cache_.topic);
  }
}

void KafkaConsumer::Submit(const std::string& topic) {
  auto it = pending_.find(topic);
  if (it == pending_.end() || it->second.messages == 0) return;
  Pending& p = it->second;
  std::vector<OffsetTracker::Token> tokens;
  tokens.reserve(p.ranges.size());
  for (const auto& [partition, range] : p.ranges) {
    tokens.push_back(shared_->tracker.Begin(PartitionId{topic, partition},
                                            range.first, range.second));
  }
  const size_t bytes = p.batch.line_bytes();
  Metrics().kafka_messages.With({topic}).Inc(p.messages);
  Metrics().kafka_bytes.With({topic}).Inc(p.value_bytes);
  lines_received_.Inc(p.lines);
  bytes_received_.Inc(bytes);
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    shared_->inflight_bytes += bytes;
    ++shared_->inflight_batches;
  }
  RecordBatch batch = std::move(p.batch);
  pending_.erase(it);
  cache_.pending = nullptr;
  sink_(std::move(batch),
        [shared = shared_, tokens = std::move(tokens), bytes](absl::Status st) {
          BatchDone(shared, tokens, bytes, st);
        });
}

void KafkaConsumer::SubmitPending() {
  std::vector<std::string> topics;
  for (const auto& [topic, p] : pending_) topics.push_back(topic);
  for (const std::string& t : topics) Submit(t);
}

void KafkaConsumer::BatchDone(const std::shared_ptr<Shared>& shared,
                              const std::vector<OffsetTracker::Token>& tokens,
                              size_t bytes, const absl::Status& status) {
  for (const OffsetTracker::Token& t : tokens) {
    shared->tracker.Complete(t, status.ok());
  }
  std::lock_guard<std::mutex> lock(shared->mu);
  shared->inflight_bytes -= bytes;
  --shared->inflight_batches;
  if (!status.ok()) shared->last_failure = status.ToString();
  if (shared->wake != nullptr) rd_kafka_queue_yield(shared->wake);
  shared->cv.notify_all();
}

void KafkaConsumer::StoreOffsets() {
  auto storable = shared_->tracker.TakeStorable();
  if (storable.empty()) return;
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(storable.size()));
  for (const auto& [id, offset] : storable) {
    auto it = assigned_.find(id);
    if (it == assigned_.end()) continue;
    it->second.backoff_ms = 0;
    rd_kafka_topic_partition_list_add(list, id.topic.c_str(), id.partition)
        ->offset = offset;
  }
  if (list->cnt > 0) {
    rd_kafka_resp_err_t err = rd_kafka_offsets_store(rk_, list);
    if (err && err != RD_KAFKA_RESP_ERR__STATE) {
      LogWarn("kafka offsets store", {{"error", rd_kafka_err2str(err)}});
    }
    bool retrying = false;
    for (const auto& [id, st] : assigned_) retrying |= st.retry;
    if (!retrying) {
      std::lock_guard<std::mutex> lock(health_mu_);
      store_error_.clear();
    }
  }
  rd_kafka_topic_partition_list_destroy(list);
}

bool KafkaConsumer::WaitAllIdle(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(shared_->mu);
  return shared_->cv.wait_until(lock, deadline,
                                [&] { return shared_->inflight_batches == 0; });
}

void KafkaConsumer::Shutdown() {
  SubmitPending();
  if (!WaitAllIdle(Clock::now() +
                   std::chrono::milliseconds(options_.commit_wait_ms))) {
    LogWarn(
        "kafka: batches still in flight at shutdown; their offsets are "
        "not committed and will be read again");
  }
  StoreOffsets();
  if (!assigned_.empty()) CommitSync("shutdown");
  // Leaves the group; the revoke it triggers finds nothing left to wait for.
  rd_kafka_resp_err_t err = rd_kafka_consumer_close(rk_);
  if (err) LogWarn("kafka consumer close", {{"error", rd_kafka_err2str(err)}});
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    shared_->wake = nullptr;
  }
  rd_kafka_queue_destroy(queue_);
  rd_kafka_destroy(rk_);
  queue_ = nullptr;
  rk_ = nullptr;
  Metrics().kafka_assigned.With({}).Set(0);
  Metrics().kafka_paused.With({}).Set(0);
}

}  // namespace silt::ingest::internal
