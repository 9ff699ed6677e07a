// The Kafka input end to end: a Kafka-protocol broker (librdkafka's mock
// cluster in its own process), kcat producing, the real silt binary
// consuming, and exact counts through the Loki API.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>

#include "tests/integration/integration_util.h"
#include "tests/integration/kafka_util.h"
#include "tests/integration/silt_process.h"
#include "tests/testing/temp_dir.h"

namespace silt::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

bool WaitFor(const std::function<bool()>& done, seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return done();
}

double Metric(const SiltProcess& silt, const std::string& prefix) {
  return MetricValue(Http(silt.http_port(), "GET", "/metrics").body, prefix);
}

class KafkaTest : public ::testing::Test {
 protected:
  static constexpr int kPartitions = 4;

  void SetUp() override {
    mock_ = std::make_unique<KafkaMock>(std::vector<std::string>{
        "logs:" + std::to_string(kPartitions), "audit:1"});
    ASSERT_TRUE(mock_->Start()) << "silt_kafka_mock did not start";
  }

  std::unique_ptr<SiltProcess> Silt(const std::string& name,
                                    const std::string& group,
                                    std::vector<std::string> more = {}) {
    std::vector<std::string> flags =
        SiltKafkaFlags(mock_->bootstrap(), "logs", group);
    flags.insert(flags.end(), more.begin(), more.end());
    return std::make_unique<SiltProcess>(dir_.path() + "/" + name, flags);
  }

  // Entries of the corpus stored in `silt`, all labels together.
  int64_t Count(const SiltProcess& silt, const Corpus& c) {
    auto by = CountBy(silt.http_port(), "{service=~\".+\"}", "", c.base_ns,
                      c.last_ns + 1);
    if (by.count("__error__")) return -1;
    return by[""];
  }

  bool Assigned(const SiltProcess& silt, int n) {
    return Metric(silt, "silt_kafka_assigned_partitions") == n;
  }

  TempDir dir_;
  std::unique_ptr<KafkaMock> mock_;
};

TEST_F(KafkaTest, NMessagesInExactlyNEntriesOutAndNothingReadAgain) {
  const int kN = 5000;
  Corpus c = MakeCorpus(kN, NowNs() - 600'000'000'000LL, " kafka");
  ASSERT_TRUE(KcatProduce(mock_->bootstrap(), "logs", c.text));
  auto silt = Silt("a", "g1");
  ASSERT_TRUE(silt->Start()) << silt->stderr_text();
  ASSERT_TRUE(WaitFor([&] { return Count(*silt, c) == kN; }, seconds(30)))
      << Count(*silt, c) << "\n"
      << silt->stderr_text();
  auto by_service = CountBy(silt->http_port(), "{service=~\".+\"}", "service",
                            c.base_ns, c.last_ns + 1);
  EXPECT_EQ(by_service, c.per_service);
  const std::string metrics = Http(silt->http_port(), "GET", "/metrics").body;
  EXPECT_EQ(MetricValue(metrics, "silt_kafka_messages_consumed_total"), kN);
  EXPECT_EQ(MetricValue(metrics, "silt_entries_stored_total"), kN);
  EXPECT_EQ(MetricValue(metrics, "silt_lines_received_total{input=\"kafka\"}"),
            kN);
  // Message values, without the newlines kcat split on.
  EXPECT_EQ(MetricValue(metrics, "silt_kafka_bytes_consumed_total"),
            static_cast<double>(c.text.size() - kN));
  EXPECT_EQ(MetricValue(metrics, "silt_kafka_assigned_partitions"),
            kPartitions);
  EXPECT_GE(
      MetricValue(metrics, "silt_kafka_rebalances_total{event=\"assigned\"}"),
      1);
  // Lag per partition drops to 0 once everything is durable and stored.
  EXPECT_TRUE(WaitFor(
      [&] {
        const std::string m = Http(silt->http_port(), "GET", "/metrics").body;
        for (int p = 0; p < kPartitions; ++p) {
          if (MetricValue(m,
                          "silt_kafka_consumer_lag{topic=\"logs\","
                          "partition=\"" +
                              std::to_string(p) + "\"}") != 0) {
            return false;
          }
        }
        return true;
      },
      seconds(15)))
      << Http(silt->http_port(), "GET", "/metrics").body;
  Reply ready = Http(silt->http_port(), "GET", "/ready");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, "ready\n");

  // SIGTERM commits; the next run of the group reads nothing again.
  ASSERT_EQ(silt->Terminate(), 0) << silt->stderr_text();
  ASSERT_TRUE(silt->Start()) << silt->stderr_text();
  ASSERT_TRUE(
      WaitFor([&] { return Assigned(*silt, kPartitions); }, seconds(30)))
      << silt->stderr_text();
  std::this_thread::sleep_for(seconds(2));
  EXPECT_EQ(Metric(*silt, "silt_kafka_messages_consumed_total"), -1)
      << "messages read again after a clean shutdown";
  EXPECT_EQ(Count(*silt, c), kN);
}

TEST_F(KafkaTest, KillNineMidStreamThenRestartHoldsExactlyN) {
  const int kChunk = 10000;
  Corpus c = MakeCorpus(3 * kChunk, NowNs() - 600'000'000'000LL, " k9");
  std::vector<std::string> chunks;
  for (size_t pos = 0, i = 0; i < 3; ++i) {
    size_t end = pos;
    for (int n = 0; n < kChunk; ++n) end = c.text.find('\n', end) + 1;
    chunks.push_back(c.text.substr(pos, end - pos));
    pos = end;
  }
  ASSERT_TRUE(KcatProduce(mock_->bootstrap(), "logs", chunks[0]));
  // The first run commits nothing (no periodic commit; kill -9 skips the
  // one on shutdown): everything it made durable is delivered again.
  auto silt = Silt("a", "g1", {"--kafka-option", "enable.auto.commit=false"});
  ASSERT_TRUE(silt->Start()) << silt->stderr_text();
  // The second chunk arrives while silt consumes; kill -9 in the middle.
  std::thread producer(
      [&] { EXPECT_TRUE(KcatProduce(mock_->bootstrap(), "logs", chunks[1])); });
  ASSERT_TRUE(WaitFor(
      [&] {
        return Metric(*silt, "silt_entries_stored_total") >=
               kChunk + kChunk / 4;
      },
      seconds(30)))
      << silt->stderr_text();
  const double stored_before = Metric(*silt, "silt_entries_stored_total");
  silt->Kill9();
  producer.join();
  ASSERT_TRUE(KcatProduce(mock_->bootstrap(), "logs", chunks[2]));

  // What survived the kill, counted by silt without Kafka.
  int64_t durable = 0;
  {
    SiltProcess offline(dir_.path() + "/a");
    ASSERT_TRUE(offline.Start()) << offline.stderr_text();
    durable = Count(offline, c);
    ASSERT_EQ(offline.Terminate(), 0);
  }
  // Acknowledged as durable: survived kill -9.
  ASSERT_GE(durable, stored_before);
  ASSERT_LE(durable, 2 * kChunk);

  ASSERT_TRUE(silt->Start()) << silt->stderr_text();
  ASSERT_TRUE(
      WaitFor([&] { return Count(*silt, c) >= 3 * kChunk; }, seconds(40)))
      << Count(*silt, c) << "\n"
      << silt->stderr_text();
  ASSERT_TRUE(WaitFor(
      [&] {
        return Metric(*silt, "silt_kafka_consumer_lag") == 0 &&
               Metric(*silt, "silt_kafka_assigned_partitions") == kPartitions;
      },
      seconds(15)));
  // Every message was read again, the `durable` ones a second time, and
  // none of them shows twice.
  EXPECT_EQ(Metric(*silt, "silt_kafka_messages_consumed_total"), 3 * kChunk);
  EXPECT_EQ(Count(*silt, c), 3 * kChunk) << durable << " read twice";
  auto by_service = CountBy(silt->http_port(), "{service=~\".+\"}", "service",
                            c.base_ns, c.last_ns + 1);
  EXPECT_EQ(by_service, c.per_service);
  ASSERT_EQ(silt->Terminate(), 0);
}

TEST_F(KafkaTest, TwoProcessesInOneGroupSplitPartitionsAndHoldExactlyN) {
  const int kHalf = 4000;
  Corpus c = MakeCorpus(2 * kHalf, NowNs() - 600'000'000'000LL, " split");
  const size_t cut = [&] {
    size_t end = 0;
    for (int n = 0; n < kHalf; ++n) end = c.text.find('\n', end) + 1;
    return end;
  }();
  auto a = Silt("a", "shared");
  ASSERT_TRUE(a->Start()) << a->stderr_text();
  ASSERT_TRUE(WaitFor([&] { return Assigned(*a, kPartitions); }, seconds(30)))
      << a->stderr_text();
  ASSERT_TRUE(KcatProduce(mock_->bootstrap(), "logs", c.text.substr(0, cut)));
  ASSERT_TRUE(WaitFor([&] { return Count(*a, c) == kHalf; }, seconds(30)));
  // The mock refuses commits once a member joins (Kafka accepts the one on
  // revoke; ingest/kafka_format.md): let a periodic commit (1 s) pass first.
  std::this_thread::sleep_for(milliseconds(2500));

  // B joins: A gives up partitions (committing what it holds), B takes them.
  auto b = Silt("b", "shared");
  ASSERT_TRUE(b->Start()) << b->stderr_text();
  // The split must hold for a while: a member can be given partitions and
  // lose them in the next generation while the group settles.
  auto split = [&] {
    const double na = Metric(*a, "silt_kafka_assigned_partitions");
    const double nb = Metric(*b, "silt_kafka_assigned_partitions");
    return na > 0 && nb > 0 && na + nb == kPartitions;
  };
  auto stable_since = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitFor(
      [&] {
        if (!split()) {
          stable_since = std::chrono::steady_clock::now();
          return false;
        }
        return std::chrono::steady_clock::now() - stable_since > seconds(2);
      },
      seconds(40)))
      << a->stderr_text() << "\n---\n"
      << b->stderr_text();
  // A quarter of the second half into each partition (a keyless producer
  // sticks to one partition for a while), so each member gets some.
  {
    size_t pos = cut;
    for (int p = 0; p < kPartitions; ++p) {
      size_t end = pos;
      for (int n = 0; n < kHalf / kPartitions; ++n) {
        end = c.text.find('\n', end) + 1;
      }
      ASSERT_TRUE(KcatProduce(mock_->bootstrap(), "logs",
                              c.text.substr(pos, end - pos),
                              {"-p", std::to_string(p)}));
      pos = end;
    }
    ASSERT_EQ(pos, c.text.size());
  }
  ASSERT_TRUE(WaitFor([&] { return Count(*a, c) + Count(*b, c) >= 2 * kHalf; },
                      seconds(30)));
  std::this_thread::sleep_for(seconds(1));
  const int64_t in_a = Count(*a, c), in_b = Count(*b, c);
  EXPECT_EQ(in_a + in_b, 2 * kHalf) << in_a << " + " << in_b;
  EXPECT_GT(in_a, kHalf);  // the first half, plus its share of the second
  EXPECT_GT(in_b, 0) << a->stderr_text() << "\n---\n" << b->stderr_text();
  EXPECT_GE(Metric(*a, "silt_kafka_rebalances_total{event=\"revoked\"}"), 1);
  // The revoke's commit was attempted (the mock answers it with "rebalance
  // in progress", or nothing was left to commit).
  EXPECT_GE(Metric(*a, "silt_kafka_commits_total"), 1);
  EXPECT_EQ(a->Terminate(), 0);
  EXPECT_EQ(b->Terminate(), 0);
}

TEST_F(KafkaTest, PartitionsPausedUnderBackpressureResume) {
  // A budget smaller than one batch, and no grace: every batch pauses the
  // partitions until it is durable.
  const int kN = 20000;
  Corpus c = MakeCorpus(kN, NowNs() - 600'000'000'000LL, " bp");
  ASSERT_TRUE(KcatProduce(mock_->bootstrap(), "logs", c.text));
  auto silt =
      Silt("a", "g1",
           {"--kafka-max-inflight-bytes", "1KiB", "--kafka-pause-after", "0s"});
  ASSERT_TRUE(silt->Start()) << silt->stderr_text();
  ASSERT_TRUE(WaitFor([&] { return Count(*silt, c) == kN; }, seconds(60)))
      << Count(*silt, c) << "\n"
      << silt->stderr_text();
  EXPECT_GE(Metric(*silt, "silt_kafka_pauses_total{reason=\"backpressure\"}"),
            2);
  EXPECT_TRUE(WaitFor(
      [&] { return Metric(*silt, "silt_kafka_paused_partitions") == 0; },
      seconds(10)));
  // Resumed for good: more messages flow.
  Corpus more = MakeCorpus(100, c.last_ns + 1000, " bp2");
  ASSERT_TRUE(KcatProduce(mock_->bootstrap(), "logs", more.text));
  EXPECT_TRUE(WaitFor([&] { return Count(*silt, more) == 100; }, seconds(20)));
  EXPECT_EQ(Count(*silt, c), kN);
}

TEST_F(KafkaTest, BrokerDownIsDegradedInReadyAndMetricsThenRecovers) {
  auto silt = Silt("a", "g1");
  ASSERT_TRUE(silt->Start()) << silt->stderr_text();
  ASSERT_TRUE(
      WaitFor([&] { return Assigned(*silt, kPartitions); }, seconds(30)));
  ASSERT_EQ(mock_->Command("down 1"), "ok");
  ASSERT_TRUE(WaitFor(
      [&] {
        Reply r = Http(silt->http_port(), "GET", "/ready");
        return r.status == 200 &&
               r.body.find("degraded: kafka: no broker reachable") !=
                   std::string::npos;
      },
      seconds(30)))
      << Http(silt->http_port(), "GET", "/ready").body;
  // Metrics follow within a statistics interval.
  EXPECT_TRUE(WaitFor(
      [&] {
        return Metric(*silt, "silt_kafka_degraded") == 1 &&
               Metric(*silt, "silt_kafka_brokers_up") == 0;
      },
      seconds(10)));

  ASSERT_EQ(mock_->Command("up 1"), "ok");
  Corpus c = MakeCorpus(500, NowNs() - 60'000'000'000LL, " back");
  ASSERT_TRUE(KcatProduce(mock_->bootstrap(), "logs", c.text));
  ASSERT_TRUE(WaitFor([&] { return Count(*silt, c) == 500; }, seconds(40)))
      << silt->stderr_text();
  EXPECT_TRUE(WaitFor(
      [&] {
        return Http(silt->http_port(), "GET", "/ready").body == "ready\n";
      },
      seconds(10)))
      << Http(silt->http_port(), "GET", "/ready").body;
  EXPECT_TRUE(WaitFor(
      [&] {
        return Metric(*silt, "silt_kafka_degraded") == 0 &&
               Metric(*silt, "silt_kafka_brokers_up") >= 1;
      },
      seconds(10)));
}

TEST_F(KafkaTest, MultiLineMessagesAndMessageTimestamps) {
  // One message with three lines: two without a time of their own (the
  // message's timestamp, apart by the line index) and one with its own.
  // Identical lines stay two entries.
  const std::string value =
      "{\"service\":\"batch\",\"msg\":\"same\"}\n"
      "{\"service\":\"batch\",\"msg\":\"same\"}\n"
      "{\"service\":\"batch\",\"ts\":\"2024-05-01T12:00:00Z\",\"msg\":"
      "\"own\"}";
  // kcat splits its input into messages on -D (here 0x1e), so the newlines
  // stay inside the one message.
  const int64_t before_ms = NowNs() / 1000000;
  ASSERT_TRUE(KcatProduce(mock_->bootstrap(), "logs", value + "\x1e",
                          {"-D", "\x1e", "-p", "0"}));
  // A second topic (--kafka-topic is repeatable).
  ASSERT_TRUE(KcatProduce(mock_->bootstrap(), "audit",
                          "{\"service\":\"audit\",\"msg\":\"other topic\"}\n"));
  auto silt = Silt("a", "g1", {"--kafka-topic", "audit"});
  ASSERT_TRUE(silt->Start()) << silt->stderr_text();
  ASSERT_TRUE(WaitFor(
      [&] {
        return CountBy(silt->http_port(), "{service=\"batch\"}", "", 0,
                       NowNs() + 3600'000'000'000LL)[""] == 3;
      },
      seconds(30)))
      << silt->stderr_text();
  EXPECT_TRUE(WaitFor(
      [&] {
        return CountBy(silt->http_port(), "{service=\"audit\"}", "", 0,
                       NowNs() + 3600'000'000'000LL)[""] == 1;
      },
      seconds(10)));
  EXPECT_EQ(Metric(*silt, "silt_kafka_assigned_partitions"), 5);
  Reply r =
      Http(silt->http_port(), "GET",
           "/loki/api/v1/query_range?query=" + Esc("{service=\"batch\"}") +
               "&start=0&end=" + std::to_string(NowNs() + 3600'000'000'000LL) +
               "&direction=forward&limit=10");
  ASSERT_EQ(r.status, 200);
  // The line with its own time keeps it.
  EXPECT_NE(r.body.find("\"1714564800000000000\""), std::string::npos)
      << r.body;
  // The two others: message time (ms) * 1e6 + offset 0 + line 0 and 1.
  const size_t at = r.body.find("same");
  ASSERT_NE(at, std::string::npos);
  const size_t q = r.body.rfind("[\"", at);
  const int64_t ts = std::stoll(r.body.substr(q + 2, 19));
  EXPECT_GE(ts / 1000000, before_ms - 1000);
  EXPECT_LE(ts / 1000000, NowNs() / 1000000);
  EXPECT_EQ(ts % 1000000, 0) << ts;
  EXPECT_NE(r.body.find("\"" + std::to_string(ts + 1) + "\""),
            std::string::npos)
      << r.body;
}

TEST_F(KafkaTest, BadKafkaOptionIsAClearStartupError) {
  auto silt = Silt("a", "g1", {"--kafka-option", "no.such.property=1"});
  EXPECT_FALSE(silt->Start());
  EXPECT_NE(silt->stderr_text().find("no.such.property"), std::string::npos)
      << silt->stderr_text();
}

}  // namespace
}  // namespace silt::testing
