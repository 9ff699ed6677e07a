// Process-wide Prometheus metrics: counter and histogram families with
// label values, rendered in the text exposition format. Thread-safe;
// increments are lock-free once a child exists.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace silt {

class Counter {
 public:
  void Inc(uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

class Gauge {
 public:
  void Set(int64_t v) { v_.store(v, std::memory_order_relaxed); }
  void Add(int64_t d) { v_.fetch_add(d, std::memory_order_relaxed); }
  int64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> v_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);
  // Cumulative counts per bound, then +Inf.
  std::vector<uint64_t> counts() const;
  double sum() const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micro_{0};  // sum * 1e6, as an integer
};

// A metric family: one name, one help text, children keyed by label values.
template <typename T>
class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> labels,
         std::vector<double> bounds = {})
      : name_(std::move(name)),
        help_(std::move(help)),
        labels_(std::move(labels)),
        bounds_(std::move(bounds)) {}
  // The child for these label values (created on first use). The reference
  // stays valid for the life of the process.
  T& With(const std::vector<std::string>& values);
  // Drops a child (a series that no longer exists, e.g. the lag of a
  // partition given up). A reference from With() for these values must not
  // be used afterwards.
  void Erase(const std::vector<std::string>& values);
  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return labels_; }
  template <typename F>
  void ForEach(F f) const {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [k, v] : children_) f(k, *v);
  }

 private:
  std::string name_, help_;
  std::vector<std::string> labels_;
  std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> children_;
};

// The metrics silt exposes. Accessed through Metrics().
struct MetricSet {
  Family<Counter> lines_received{
      "silt_lines_received_total", "Lines received, per input.", {"input"}};
  Family<Counter> bytes_received{"silt_bytes_received_total",
                                 "Line bytes received, per input.",
                                 {"input"}};
  Family<Counter> lines_rejected{
      "silt_lines_rejected_total",
      "Lines that were not clean JSON or were cut, per input and reason; "
      "stored as they came unless the reason says refused.",
      {"input", "reason"}};
  Family<Counter> entries_stored{
      "silt_entries_stored_total", "Entries made durable in the store.", {}};
  Family<Counter> bytes_stored{
      "silt_bytes_stored_total", "Line bytes made durable in the store.", {}};
  Family<Counter> parts_written{
      "silt_parts_written_total", "Part files written.", {}};
  Family<Counter> part_bytes_written{"silt_part_bytes_written_total",
                                     "Compressed bytes written to parts.",
                                     {}};
  Family<Counter> corruptions{"silt_corruptions_total",
                              "Damaged blocks or records detected (data loss).",
                              {"kind"}};
  Family<Counter> http_requests{"silt_http_requests_total",
                                "HTTP requests by route and status code.",
                                {"route", "code"}};
  Family<Counter> tcp_connections{"silt_tcp_connections_total",
                                  "TCP connections accepted or refused.",
                                  {"result"}};
  Family<Counter> redactions{
      "silt_redactions_total",
      "Values replaced by redaction before storage, per rule.",
      {"rule"}};
  Family<Counter> kafka_messages{"silt_kafka_messages_consumed_total",
                                 "Kafka messages consumed, per topic.",
                                 {"topic"}};
  Family<Counter> kafka_bytes{"silt_kafka_bytes_consumed_total",
                              "Kafka message value bytes consumed, per topic.",
                              {"topic"}};
  Family<Gauge> kafka_lag{
      "silt_kafka_consumer_lag",
      "Messages between the partition's high watermark and the offset silt "
      "has made durable, per assigned partition.",
      {"topic", "partition"}};
  Family<Counter> kafka_rebalances{
      "silt_kafka_rebalances_total",
      "Consumer group rebalances: partitions assigned, revoked or lost.",
      {"event"}};
  Family<Gauge> kafka_assigned{"silt_kafka_assigned_partitions",
                               "Partitions assigned to this consumer.",
                               {}};
  Family<Gauge> kafka_paused{
      "silt_kafka_paused_partitions", "Assigned partitions paused now.", {}};
  Family<Counter> kafka_pauses{
      "silt_kafka_pauses_total",
      "Partition pauses: backpressure (too much in flight) or retry (a batch "
      "was not stored; the partition is rewound after a backoff).",
      {"reason"}};
  Family<Counter> kafka_commits{
      "silt_kafka_commits_total",
      "Synchronous offset commits (revoke, shutdown), by result.",
      {"result"}};
  Family<Counter> kafka_errors{
      "silt_kafka_errors_total",
      "Errors reported by the Kafka client, by librdkafka error name.",
      {"error"}};
  Family<Gauge> kafka_brokers_up{
      "silt_kafka_brokers_up", "Kafka broker connections up.", {}};
  Family<Gauge> kafka_degraded{
      "silt_kafka_degraded",
      "1 while the Kafka input is degraded (GET /ready says why).",
      {}};
  Family<Gauge> tail_files{
      "silt_tail_files", "Files the tail input holds open.", {}};
  Family<Counter> tail_events{
      "silt_tail_events_total",
      "Tail input file events: opened, resumed, rotated, truncated, closed, "
      "bad_envelope (a line of a Docker/CRI file that was not one), "
      "checkpoint_error.",
      {"event"}};
  Family<Gauge> active_streams{
      "silt_active_streams", "Streams known to the index.", {}};
  Family<Histogram> store_append_wait{
      "silt_store_append_wait_seconds",
      "Time a batch waited to enter the store's head because the previous "
      "head was still being cut into parts (flow control).",
      {},
      {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}};
  Family<Histogram> ack_latency{
      "silt_ack_latency_seconds",
      "Time from receiving a batch to it being durable.",
      {"input"},
      {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
       5}};
  Family<Histogram> query_latency{"silt_query_latency_seconds",
                                  "Query latency by endpoint.",
                                  {"endpoint"},
                                  {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                   0.25, 0.5, 1, 2.5, 5, 10, 30}};
  Family<Gauge> part_index_pending{
      "silt_part_index_pending",
      "Parts waiting for their index (block filters, trace table).",
      {}};
  Family<Counter> part_indexes_built{
      "silt_part_indexes_built_total", "Part index files written.", {}};
  Family<Counter> blocks_skipped{
      "silt_query_blocks_skipped_total",
      "Blocks a scan did not read because their filter rules out the "
      "query's line filter.",
      {}};
  Family<Counter> blocks_read{
      "silt_query_blocks_read_total",
      "Part blocks read and decompressed by scans and lookups.",
      {}};
};
MetricSet& Metrics();

// Everything in MetricSet, in Prometheus text format 0.0.4.
std::string RenderMetrics();

}  // namespace silt
