#include "common/record_batch.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

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

// Reset() empties `streams`; AddStream() then hands back the entries it
// emptied, with their memory, for the caller to assign.
TEST(RecordBatchTest, AddStreamReusesEntriesAfterReset) {
  RecordBatch b;
  const std::string long_value(100, 'v');
  for (int i = 0; i < 3; ++i) {
    BatchStream& s = b.AddStream();
    s.labels = {{"pod", long_value + std::to_string(i)}};
    s.key = "{pod=\"" + long_value + std::to_string(i) + "\"}";
    s.id = 7 + i;
  }
  ASSERT_EQ(b.streams.size(), 3u);
  EXPECT_EQ(b.streams[2].id, 9u);
  const char* key_memory = b.streams[2].key.data();
  b.Reset();
  EXPECT_TRUE(b.streams.empty());
  BatchStream& again = b.AddStream();
  ASSERT_EQ(b.streams.size(), 1u);
  // The last entry emptied comes back first, its key's memory with it.
  EXPECT_EQ(again.key.data(), key_memory);
  again.labels = {{"service", "x"}};
  again.key = "{service=\"x\"}";
  again.id = 1;
  EXPECT_EQ(again.key.data(), key_memory);
  EXPECT_EQ(b.streams[0].key, "{service=\"x\"}");
  EXPECT_EQ(b.streams[0].labels, (Labels{{"service", "x"}}));
  // Past the spare entries, new ones.
  b.AddStream();
  b.AddStream();
  BatchStream& fresh = b.AddStream();
  EXPECT_TRUE(fresh.key.empty());
  EXPECT_TRUE(fresh.labels.empty());
  EXPECT_EQ(b.streams.size(), 4u);
}

}  // namespace
}  // namespace silt
