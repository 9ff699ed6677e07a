#include "ingest/internal/kafka_framing.h"

#include <gtest/gtest.h>

#include "parse/parser.h"

namespace silt::ingest::internal {
namespace {

class KafkaFramingTest : public ::testing::Test {
 protected:
  KafkaFramingTest() { batch_.source_ts_fallback = true; }
  RecordBatch batch_;
};

TEST_F(KafkaFramingTest, TimestampRuleIsTheFormatDocsExample) {
  EXPECT_EQ(KafkaLineTimestampNs(1714564800123, 4711, 0), 1714564800123711000);
  EXPECT_EQ(KafkaLineTimestampNs(1714564800123, 4711, 1), 1714564800123711001);
  EXPECT_EQ(KafkaLineTimestampNs(1714564800123, 4711, 5000),
            1714564800123711999);
  EXPECT_EQ(KafkaLineTimestampNs(-1, 4711, 0), 0);
  // Always inside the message's millisecond.
  EXPECT_EQ(KafkaLineTimestampNs(7, 999999, 999) / 1000000, 7);
}

TEST_F(KafkaFramingTest, OneMessageSeveralLines) {
  const size_t n = AppendKafkaMessage("{\"a\":1}\r\n\n{\"b\":2}\nplain", 12,
                                      1000, 0, &batch_);
  ASSERT_EQ(n, 3u);
  ASSERT_EQ(batch_.size(), 3u);
  EXPECT_EQ(batch_.line(0), "{\"a\":1}");
  EXPECT_EQ(batch_.line(1), "{\"b\":2}");
  EXPECT_EQ(batch_.line(2), "plain");
  EXPECT_EQ(batch_.record(0).ts_ns, 1000012000);
  EXPECT_EQ(batch_.record(1).ts_ns, 1000012001);
  EXPECT_EQ(batch_.record(2).ts_ns, 1000012002);
}

TEST_F(KafkaFramingTest, EmptyValueGivesNoRecordAndLongLinesAreCut) {
  EXPECT_EQ(AppendKafkaMessage("", 1, 5, 0, &batch_), 0u);
  EXPECT_EQ(AppendKafkaMessage("\n\n", 2, 5, 0, &batch_), 0u);
  const std::string line(100, 'x');
  EXPECT_EQ(AppendKafkaMessage(line, 3, 5, 64, &batch_), 1u);
  ASSERT_EQ(batch_.size(), 1u);
  EXPECT_EQ(batch_.line(0).size(), 64u);
  EXPECT_EQ(batch_.record(0).reject, Reject::kTruncated);
  EXPECT_EQ(batch_.record(0).ts_ns, 5003000);  // 5 ms, offset 3
}

TEST_F(KafkaFramingTest, ALinesOwnTimeWinsOverTheMessages) {
  AppendKafkaMessage(
      "{\"ts\":\"2024-05-01T12:00:00Z\",\"msg\":\"own\"}\n{\"msg\":\"none\"}",
      4711, 1714564800123, 0, &batch_);
  batch_.received_ns = 42;
  parse::Parser parser;
  parser.Parse(&batch_);
  EXPECT_EQ(batch_.record(0).ts_ns, 1714564800000000000);
  EXPECT_EQ(batch_.record(1).ts_ns, 1714564800123711001);
}

}  // namespace
}  // namespace silt::ingest::internal
