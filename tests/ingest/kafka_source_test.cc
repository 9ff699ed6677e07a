// The Kafka source against librdkafka's mock cluster in this process, with
// a sink standing in for the pipeline (so a test can refuse batches the way
// a full disk does).
#include "ingest/kafka_source.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/metrics.h"

namespace silt::ingest {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

bool WaitFor(const std::function<bool()>& done, seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return done();
}

class KafkaSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char errstr[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "2", errstr, sizeof errstr);
    mock_rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    ASSERT_NE(mock_rk_, nullptr) << errstr;
    cluster_ = rd_kafka_mock_cluster_new(mock_rk_, 1);
    ASSERT_NE(cluster_, nullptr);
    ASSERT_EQ(rd_kafka_mock_topic_create(cluster_, "t", 3, 1), 0);
    bootstrap_ = rd_kafka_mock_cluster_bootstraps(cluster_);
  }

  void TearDown() override {
    if (cluster_) rd_kafka_mock_cluster_destroy(cluster_);
    if (mock_rk_) rd_kafka_destroy(mock_rk_);
  }

  // Produces "{\"n\":i}" for i in [from, to), spread over the partitions.
  void Produce(int from, int to) {
    char errstr[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap_.c_str(), errstr,
                      sizeof errstr);
    rd_kafka_t* p =
        rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    ASSERT_NE(p, nullptr) << errstr;
    for (int i = from; i < to; ++i) {
      std::string v = "{\"n\":" + std::to_string(i) + "}";
      ASSERT_EQ(rd_kafka_producev(
                    p, RD_KAFKA_V_TOPIC("t"), RD_KAFKA_V_PARTITION(i % 3),
                    RD_KAFKA_V_VALUE(v.data(), v.size()),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
                0);
    }
    ASSERT_EQ(rd_kafka_flush(p, 10000), 0);
    rd_kafka_destroy(p);
  }

  KafkaOptions Options(const std::string& group) {
    KafkaOptions o;
    o.brokers = bootstrap_;
    o.topics = {"t"};
    o.group = group;
    o.properties = {{"session.timeout.ms", "6000"},
                    {"heartbeat.interval.ms", "500"},
                    {"log_level", "2"}};
    o.batch_bytes = 512;  // many small batches
    return o;
  }

  // A sink that acknowledges from another thread, like the store does;
  // `fail` decides per batch whether it is refused.
  BatchSink Sink(std::function<bool()> fail = [] { return false; }) {
    return [this, fail](RecordBatch&& batch,
                        std::function<void(absl::Status)> done) {
      const bool refuse = fail();
      std::vector<std::string> lines;
      for (size_t i = 0; i < batch.size(); ++i) {
        lines.emplace_back(batch.line(i));
        EXPECT_GT(batch.record(i).ts_ns, 0);
      }
      EXPECT_EQ(batch.input, "kafka");
      EXPECT_TRUE(batch.sync_ack);
      EXPECT_TRUE(batch.source_ts_fallback);
      std::thread([this, lines = std::move(lines), refuse,
                   done = std::move(done)] {
        if (refuse) {
          ++refused_;
          done(absl::ResourceExhaustedError("disk full"));
          return;
        }
        {
          std::lock_guard<std::mutex> lock(mu_);
          for (const auto& l : lines) {
            ++times_[l];
          }
        }
        done(absl::OkStatus());
      }).detach();
    };
  }

  size_t Distinct() {
    std::lock_guard<std::mutex> lock(mu_);
    return times_.size();
  }
  size_t Total() {
    std::lock_guard<std::mutex> lock(mu_);
    size_t n = 0;
    for (const auto& [l, c] : times_) n += c;
    return n;
  }

  rd_kafka_t* mock_rk_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  std::string bootstrap_;
  std::mutex mu_;
  std::map<std::string, int> times_;
  std::atomic<int> refused_{0};
};

TEST_F(KafkaSourceTest, EveryMessageOnceThenCommittedOnStop) {
  Produce(0, 600);
  auto source = KafkaSource::Start(Options("g"), Sink());
  ASSERT_TRUE(source.ok()) << source.status();
  ASSERT_TRUE(WaitFor([&] { return Distinct() == 600; }, seconds(30)))
      << Distinct();
  EXPECT_EQ(Total(), 600u);
  EXPECT_EQ((*source)->Degraded(), "");
  (*source)->Stop();

  // The group's next member starts after what was committed.
  Produce(600, 650);
  auto next = KafkaSource::Start(Options("g"), Sink());
  ASSERT_TRUE(next.ok());
  ASSERT_TRUE(WaitFor([&] { return Distinct() == 650; }, seconds(30)));
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(Total(), 650u);
}

TEST_F(KafkaSourceTest, RefusedBatchesArePausedRewoundAndReadAgain) {
  Produce(0, 300);
  std::atomic<int> calls{0};
  std::atomic<bool> saw_degraded{false};
  auto source = KafkaSource::Start(
      Options("g"), Sink([&] { return ++calls <= 4; }));  // a full disk
  ASSERT_TRUE(source.ok());
  ASSERT_TRUE(WaitFor(
      [&] {
        if ((*source)->Degraded().find("batches not stored") !=
            std::string::npos) {
          saw_degraded = true;
        }
        return Distinct() == 300;
      },
      seconds(30)))
      << Distinct();
  EXPECT_GE(refused_.load(), 4);
  EXPECT_TRUE(saw_degraded.load());
  // Rewinding reads later batches of the partition again (they collapse in
  // the store); nothing is missing.
  EXPECT_GE(Total(), 300u);
  EXPECT_TRUE(
      WaitFor([&] { return (*source)->Degraded().empty(); }, seconds(10)))
      << (*source)->Degraded();
  (*source)->Stop();

  auto next = KafkaSource::Start(Options("g"), Sink());
  ASSERT_TRUE(next.ok());
  const size_t total = Total();
  std::this_thread::sleep_for(seconds(2));
  EXPECT_EQ(Total(), total) << "committed offsets passed a refused batch";
}

TEST_F(KafkaSourceTest, AShortStallIsWaitedOutWithoutPausing) {
  // The budget is smaller than one batch and each batch takes 50 ms to be
  // done: the consumer waits instead of pausing (a pause throws away what
  // librdkafka prefetched).
  Produce(0, 300);
  const double pauses_before = static_cast<double>(
      Metrics().kafka_pauses.With({"backpressure"}).value());
  KafkaOptions o = Options("g");
  o.max_inflight_bytes = 64;
  o.pause_after_ms = 10000;
  BatchSink slow = [this](RecordBatch&& batch,
                          std::function<void(absl::Status)> done) {
    std::vector<std::string> lines;
    for (size_t i = 0; i < batch.size(); ++i) lines.emplace_back(batch.line(i));
    std::thread([this, lines = std::move(lines), done = std::move(done)] {
      std::this_thread::sleep_for(milliseconds(50));
      {
        std::lock_guard<std::mutex> lock(mu_);
        for (const auto& l : lines) ++times_[l];
      }
      done(absl::OkStatus());
    }).detach();
  };
  auto source = KafkaSource::Start(o, slow);
  ASSERT_TRUE(source.ok());
  ASSERT_TRUE(WaitFor([&] { return Distinct() == 300; }, seconds(60)));
  EXPECT_EQ(Total(), 300u);
  EXPECT_EQ(static_cast<double>(
                Metrics().kafka_pauses.With({"backpressure"}).value()),
            pauses_before);
  (*source)->Stop();
}

TEST_F(KafkaSourceTest, UnreachableBrokerIsDegraded) {
  KafkaOptions o = Options("g");
  o.brokers = "127.0.0.1:1";
  auto source = KafkaSource::Start(o, Sink());
  ASSERT_TRUE(source.ok());
  EXPECT_TRUE(WaitFor(
      [&] {
        return (*source)->Degraded().find(
                   "no broker reachable at "
                   "127.0.0.1:1") != std::string::npos;
      },
      seconds(20)))
      << (*source)->Degraded();
}

TEST_F(KafkaSourceTest, ConfigurationErrorsNameTheProperty) {
  KafkaOptions o = Options("g");
  o.properties.push_back({"no.such.property", "1"});
  auto source = KafkaSource::Start(o, Sink());
  EXPECT_EQ(source.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(source.status().message().find("no.such.property"),
            std::string::npos);
  o = Options("g");
  o.properties.push_back({"enable.auto.offset.store", "true"});
  EXPECT_EQ(KafkaSource::Start(o, Sink()).status().code(),
            absl::StatusCode::kInvalidArgument);
  o = Options("g");
  o.topics.clear();
  EXPECT_EQ(KafkaSource::Start(o, Sink()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace silt::ingest
