#include "common/record_batch.h"

#include <gtest/gtest.h>

#include <cstring>

namespace silt {
namespace {

TEST(RecordBatchTest, AppendKeepsPaddingAfterLastLine) {
  RecordBatch b;
  b.Append("first");
  b.Append("second line");
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b.line(0), "first");
  EXPECT_EQ(b.line(1), "second line");
  EXPECT_EQ(b.line_bytes(), 16u);
  for (size_t i = 0; i < kBatchPadding; ++i) {
    EXPECT_EQ(b.arena_data()[b.arena_bytes() + i], '\0');
  }
}

TEST(RecordBatchTest, ReserveCommitAddRecordReadsInPlace) {
  RecordBatch b;
  char* p = b.Reserve(10);
  std::memcpy(p, "abc\ndefgh\n", 10);
  b.CommitBytes(10);
  b.AddRecord(0, 3);
  b.AddRecord(4, 5);
  EXPECT_EQ(b.line(0), "abc");
  EXPECT_EQ(b.line(1), "defgh");
}

TEST(RecordBatchTest, ReserveCapacityKeepsTheArenaInPlace) {
  RecordBatch b;
  b.Append("first");
  b.ReserveCapacity(64 << 10);
  const char* arena = b.arena_data();
  const std::string line(1000, 'x');
  for (int i = 0; i < 60; ++i) b.Append(line);
  EXPECT_EQ(b.arena_data(), arena);  // no regrowth
  EXPECT_EQ(b.size(), 61u);
  EXPECT_EQ(b.line(0), "first");
  EXPECT_EQ(b.line(60), line);
  for (size_t i = 0; i < kBatchPadding; ++i) {
    EXPECT_EQ(b.arena_data()[b.arena_bytes() + i], '\0');
  }
}

TEST(RecordBatchTest, SideColumnsAndReplaceLine) {
  RecordBatch b;
  b.Append("x", 0, 42);
  b.SetTraceId(0, "4bf92f3577b34da6a3ce929d0e0e4736");
  b.SetSpanId(0, "00f067aa0ba902b7");
  b.SetMetadata(0, "{\"k\":\"v\"}");
  b.ReplaceLine(0, "replaced");
  EXPECT_EQ(b.line(0), "replaced");
  EXPECT_EQ(b.trace_id(0), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(b.span_id(0), "00f067aa0ba902b7");
  EXPECT_EQ(b.metadata(0), "{\"k\":\"v\"}");
  EXPECT_EQ(b.record(0).ts_ns, 42);
  EXPECT_EQ(b.line_bytes(), 8u);
}

TEST(RecordBatchTest, ResetEmptiesButKeepsDefaultOrigin) {
  RecordBatch b;
  b.tenant = "t";
  b.origins.push_back({{"a", "b"}});
  b.Append("x", 1);
  b.Reset();
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.tenant, "default");
  ASSERT_EQ(b.origins.size(), 1u);
  EXPECT_TRUE(b.origins[0].empty());
  EXPECT_EQ(b.arena_bytes(), 0u);
}

}  // namespace
}  // namespace silt
