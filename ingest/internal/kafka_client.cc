// librdkafka configuration and the callbacks it calls (from the consumer
// thread's polls, except the log callback).
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/log.h"
#include "common/metrics.h"
#include "ingest/internal/kafka_consumer.h"
#include "ingest/internal/kafka_stats.h"

namespace silt::ingest::internal {
namespace {

// librdkafka's own log lines, as silt log lines (any thread).
void LogCb(const rd_kafka_t*, int level, const char* facility,
           const char* buf) {
  const LogLevel l = level <= 3   ? LogLevel::kError
                     : level <= 4 ? LogLevel::kWarn
                     : level <= 6 ? LogLevel::kInfo
                                  : LogLevel::kDebug;
  Log(l, "kafka client", {{"facility", facility}, {"detail", buf}});
}

// The property silt owns: the commit rules depend on it.
bool Reserved(const std::string& key) {
  return key == "enable.auto.offset.store";
}

}  // namespace

absl::Status KafkaConsumer::CreateClient() {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const std::string& key,
                 const std::string& value) -> absl::Status {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr,
                          sizeof(errstr)) != RD_KAFKA_CONF_OK) {
      return absl::InvalidArgumentError(
          absl::StrCat("kafka option ", key, "=", value, ": ", errstr));
    }
    return absl::OkStatus();
  };
  // Defaults first (kafka_format.md), then the user's properties over them.
  std::vector<std::pair<std::string, std::string>> props = {
      {"bootstrap.servers", options_.brokers},
      {"group.id", options_.group},
      {"client.id", "silt"},
      {"auto.offset.reset", "earliest"},
      {"enable.auto.commit", "true"},
      {"auto.commit.interval.ms", "1000"},
      {"log_level", "5"},
      {"statistics.interval.ms", "1000"},
      // Small fetches stay in cache from the socket to the batch
      // (kafka_format.md).
      {"fetch.max.bytes", "2097152"},
      {"fetch.message.max.bytes", "262144"},
  };
  for (const auto& [k, v] : options_.properties) {
    if (Reserved(k)) {
      rd_kafka_conf_destroy(conf);
      return absl::InvalidArgumentError(absl::StrCat(
          "kafka option ", k,
          ": silt stores offsets itself once entries are durable; it "
          "cannot be set"));
    }
    props.emplace_back(k, v);
  }
  props.emplace_back("enable.auto.offset.store", "false");
  for (const auto& [k, v] : props) {
    absl::Status st = set(k, v);
    if (!st.ok()) {
      rd_kafka_conf_destroy(conf);
      return st;
    }
  }
  rd_kafka_conf_set_opaque(conf, this);
  rd_kafka_conf_set_rebalance_cb(conf, &KafkaConsumer::RebalanceCb);
  rd_kafka_conf_set_error_cb(conf, &KafkaConsumer::ErrorCb);
  rd_kafka_conf_set_stats_cb(conf, &KafkaConsumer::StatsCb);
  rd_kafka_conf_set_log_cb(conf, &LogCb);

  rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
  if (rk_ == nullptr) {  // conf is still ours on failure
    rd_kafka_conf_destroy(conf);
    return absl::InvalidArgumentError(absl::StrCat("kafka consumer: ", errstr));
  }
  // Every event (rebalance, error, stats) is served from the consumer
  // queue, by the consumer thread.
  rd_kafka_poll_set_consumer(rk_);
  queue_ = rd_kafka_queue_get_consumer(rk_);
  cooperative_ =
      std::strcmp(rd_kafka_rebalance_protocol(rk_), "COOPERATIVE") == 0;

  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(
      static_cast<int>(options_.topics.size()));
  for (const std::string& t : options_.topics) {
    rd_kafka_topic_partition_list_add(topics, t.c_str(), RD_KAFKA_PARTITION_UA);
  }
  rd_kafka_resp_err_t err = rd_kafka_subscribe(rk_, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (err) {
    return absl::InvalidArgumentError(
        absl::StrCat("kafka subscribe to ", absl::StrJoin(options_.topics, ","),
                     ": ", rd_kafka_err2str(err)));
  }
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    shared_->wake = queue_;
  }
  return absl::OkStatus();
}

void KafkaConsumer::RebalanceCb(rd_kafka_t*, rd_kafka_resp_err_t err,
                                rd_kafka_topic_partition_list_t* parts,
                                void* opaque) {
  auto* self = static_cast<KafkaConsumer*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    self->Assign(parts);
  } else {
    self->Revoke(parts, rd_kafka_assignment_lost(self->rk_) != 0);
  }
}

void KafkaConsumer::ErrorCb(rd_kafka_t*, int err, const char* reason,
                            void* opaque) {
  static_cast<KafkaConsumer*>(opaque)->OnError(
      static_cast<rd_kafka_resp_err_t>(err), reason);
}

int KafkaConsumer::StatsCb(rd_kafka_t*, char* json, size_t len, void* opaque) {
  static_cast<KafkaConsumer*>(opaque)->OnStats(std::string_view(json, len));
  return 0;  // librdkafka frees json
}

void KafkaConsumer::OnError(rd_kafka_resp_err_t err,
                            const std::string& reason) {
  Metrics().kafka_errors.With({rd_kafka_err2name(err)}).Inc();
  std::lock_guard<std::mutex> lock(health_mu_);
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char buf[512];
    rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk_, buf, sizeof(buf));
    fatal_ = absl::StrCat(rd_kafka_err2name(orig), ": ", buf);
    LogError("kafka client failed; restart silt", {{"error", fatal_}});
    return;
  }
  if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    brokers_down_ = true;
    if (broker_error_.empty()) broker_error_ = reason;
  } else if (err == RD_KAFKA_RESP_ERR__TRANSPORT ||
             err == RD_KAFKA_RESP_ERR__RESOLVE ||
             err == RD_KAFKA_RESP_ERR__AUTHENTICATION ||
             err == RD_KAFKA_RESP_ERR__SSL) {
    broker_error_ = reason;
  }
  LogWarn("kafka", {{"error", rd_kafka_err2name(err)}, {"detail", reason}});
}

void KafkaConsumer::OnStats(std::string_view json) {
  KafkaStats stats;
  if (!ParseKafkaStats(json, &stats)) return;
  Metrics().kafka_brokers_up.With({}).Set(stats.brokers_up);
  for (const KafkaStats::Lag& l : stats.lags) {
    if (assigned_.count(PartitionId{l.topic, l.partition}) == 0) continue;
    Metrics().kafka_lag.With({l.topic, std::to_string(l.partition)}).Set(l.lag);
  }
  std::lock_guard<std::mutex> lock(health_mu_);
  for (const std::string& t : stats.topics) missing_topics_.erase(t);
  if (stats.brokers_up > 0) {
    brokers_down_ = false;
    broker_error_.clear();
  } else if (stats.brokers > 0 &&
             Clock::now() - started_ > std::chrono::seconds(10)) {
    brokers_down_ = true;
  }
}

std::string KafkaConsumer::Degraded() const {
  std::lock_guard<std::mutex> lock(health_mu_);
  std::vector<std::string> why;
  if (!fatal_.empty())
    why.push_back(absl::StrCat("fatal client error: ", fatal_));
  if (brokers_down_) {
    why.push_back(absl::StrCat(
        "no broker reachable at ", options_.brokers,
        broker_error_.empty() ? "" : absl::StrCat(" (", broker_error_, ")"),
        "; retrying"));
  }
  for (const auto& [topic, error] : missing_topics_) {
    why.push_back(absl::StrCat("topic ", topic, ": ", error));
  }
  if (!store_error_.empty()) {
    why.push_back(
        absl::StrCat("batches not stored, partitions rewound and "
                     "retried: ",
                     store_error_));
  }
  return absl::StrJoin(why, "; ");
}

}  // namespace silt::ingest::internal
