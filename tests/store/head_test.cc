#include "store/internal/head.h"

#include <string>

#include "gtest/gtest.h"

namespace silt::store {
namespace {

void AddN(Head* h, uint64_t id, int n) {
  bool created;
  Head::Stream* s = h->GetStream("t", id, "{a=\"b\"}", &created);
  for (int i = 0; i < n; ++i) {
    EntryView e;
    e.ts_ns = i;
    e.line = "line";
    h->Add(s, e);
  }
}

// A head made after another reserves a quarter more than the previous
// head's count per stream, so a stream that grows a little does not move
// its entries; it starts empty.
TEST(HeadTest, ReservesFromThePreviousHead) {
  auto first = std::make_unique<Head>();
  AddN(first.get(), 7, 4000);
  Head next(first.get());
  first.reset();  // its vectors may serve the next head
  bool created;
  Head::Stream* s = next.GetStream("t", 7, "{a=\"b\"}", &created);
  EXPECT_TRUE(created);
  EXPECT_TRUE(s->entries.empty());
  EXPECT_GE(s->entries.capacity(), 5000u);  // 4000 + 1000 + 16, rounded up
  const HeadEntry* data = s->entries.data();
  AddN(&next, 7, 4900);
  EXPECT_EQ(s->entries.data(), data);  // never reallocated
  EXPECT_EQ(s->entries.size(), 4900u);
  EXPECT_EQ(s->entries[4899].ts_ns, 4899);
  EXPECT_EQ(s->entries[4899].line(), "line");
}

// Streams the previous head did not have grow as usual.
TEST(HeadTest, NewStreamsStartEmpty) {
  Head first;
  AddN(&first, 1, 10);
  Head next(&first);
  bool created;
  Head::Stream* s = next.GetStream("t", 2, "{a=\"c\"}", &created);
  EXPECT_TRUE(created);
  EXPECT_EQ(s->entries.capacity(), 0u);
  AddN(&next, 2, 3);
  EXPECT_EQ(next.entries(), 3u);
}

}  // namespace
}  // namespace silt::store
