#include "ingest/internal/kafka_stats.h"

#include <gtest/gtest.h>

namespace silt::ingest::internal {
namespace {

// The shape of librdkafka's statistics (trimmed): a bootstrap broker, a
// learned one, the logical coordinator, and a topic with the internal
// partition -1.
constexpr char kStats[] = R"({
  "name": "silt#consumer-1", "type": "consumer",
  "brokers": {
    "127.0.0.1:4001/bootstrap": {"name": "127.0.0.1:4001/bootstrap",
      "nodeid": -1, "source": "configured", "state": "UP"},
    "127.0.0.1:4001/1": {"name": "127.0.0.1:4001/1", "nodeid": 1,
      "source": "learned", "state": "CONNECT"},
    "GroupCoordinator": {"name": "GroupCoordinator", "nodeid": -1,
      "source": "logical", "state": "UP"}
  },
  "topics": {
    "logs": {"topic": "logs", "partitions": {
      "0": {"partition": 0, "consumer_lag": 12, "consumer_lag_stored": 3},
      "1": {"partition": 1, "consumer_lag": 7, "consumer_lag_stored": -1},
      "2": {"partition": 2, "consumer_lag": -1, "consumer_lag_stored": -1,
            "hi_offset": 40, "lo_offset": 10},
      "3": {"partition": 3, "consumer_lag": -1, "consumer_lag_stored": -1,
            "hi_offset": -1, "lo_offset": -1},
      "-1": {"partition": -1, "consumer_lag": -1}
    }},
    "missing": {"topic": "missing", "partitions": {
      "-1": {"partition": -1, "consumer_lag": -1}}}
  }
})";

class KafkaStatsTest : public ::testing::Test {
 protected:
  KafkaStats stats_;
};

TEST_F(KafkaStatsTest, BrokersUpAndLagPerPartition) {
  ASSERT_TRUE(ParseKafkaStats(kStats, &stats_));
  EXPECT_EQ(stats_.brokers, 2);  // the logical coordinator does not count
  EXPECT_EQ(stats_.brokers_up, 1);
  ASSERT_EQ(stats_.lags.size(), 3u);
  // Lag against the stored (durable) offset, else the committed one.
  EXPECT_EQ(stats_.lags[0].topic, "logs");
  EXPECT_EQ(stats_.lags[0].partition, 0);
  EXPECT_EQ(stats_.lags[0].lag, 3);
  EXPECT_EQ(stats_.lags[1].partition, 1);
  EXPECT_EQ(stats_.lags[1].lag, 7);
  // Nothing stored or committed: all it holds.
  EXPECT_EQ(stats_.lags[2].partition, 2);
  EXPECT_EQ(stats_.lags[2].lag, 30);
  ASSERT_EQ(stats_.topics.size(), 1u);
  EXPECT_EQ(stats_.topics[0], "logs");
}

TEST_F(KafkaStatsTest, NotStatistics) {
  EXPECT_FALSE(ParseKafkaStats("not json", &stats_));
  EXPECT_FALSE(ParseKafkaStats("[1,2]", &stats_));
  ASSERT_TRUE(ParseKafkaStats("{}", &stats_));
  EXPECT_EQ(stats_.brokers, 0);
}

}  // namespace
}  // namespace silt::ingest::internal
