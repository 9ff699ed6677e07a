#include "ingest/internal/kafka_offsets.h"

#include <gtest/gtest.h>

#include <thread>

namespace silt::ingest::internal {
namespace {

class OffsetTrackerTest : public ::testing::Test {
 protected:
  // The single storable offset of `p` now, or -1.
  int64_t Storable(const PartitionId& p) {
    int64_t out = -1;
    for (const auto& [id, offset] : tracker_.TakeStorable()) {
      if (id == p) out = offset;
    }
    return out;
  }
  OffsetTracker tracker_;
  PartitionId p0_{"logs", 0};
  PartitionId p1_{"logs", 1};
};

TEST_F(OffsetTrackerTest, StoresTheEndOfTheDurablePrefixOnly) {
  auto a = tracker_.Begin(p0_, 0, 9);
  auto b = tracker_.Begin(p0_, 10, 19);
  auto c = tracker_.Begin(p0_, 20, 29);
  EXPECT_EQ(tracker_.InFlight(p0_), 3u);
  tracker_.Complete(b, true);  // durable, but behind one in flight
  EXPECT_EQ(Storable(p0_), -1);
  tracker_.Complete(a, true);
  EXPECT_EQ(Storable(p0_), 20);
  EXPECT_EQ(Storable(p0_), -1);  // reported once
  tracker_.Complete(c, true);
  EXPECT_EQ(Storable(p0_), 30);
  EXPECT_EQ(tracker_.InFlightTotal(), 0u);
}

TEST_F(OffsetTrackerTest, PartitionsAreIndependent) {
  auto a = tracker_.Begin(p0_, 0, 4);
  auto b = tracker_.Begin(p1_, 100, 104);
  tracker_.Complete(b, true);
  auto storable = tracker_.TakeStorable();
  ASSERT_EQ(storable.size(), 1u);
  EXPECT_EQ(storable[0].first, p1_);
  EXPECT_EQ(storable[0].second, 105);
  EXPECT_EQ(tracker_.InFlight(p0_), 1u);
  tracker_.Complete(a, true);
  EXPECT_EQ(Storable(p0_), 5);
}

TEST_F(OffsetTrackerTest, AFailedRangeHoldsBackLaterOnesUntilRewound) {
  auto a = tracker_.Begin(p0_, 0, 9);
  auto b = tracker_.Begin(p0_, 10, 19);
  auto c = tracker_.Begin(p0_, 20, 29);
  tracker_.Complete(a, true);
  tracker_.Complete(b, false);
  tracker_.Complete(c, true);
  EXPECT_EQ(Storable(p0_), 10);
  auto failed = tracker_.TakeFailed();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0], p0_);
  EXPECT_TRUE(tracker_.TakeFailed().empty());
  // The rewind goes back to the first offset not durable.
  EXPECT_EQ(tracker_.Rewind(p0_), 10);
  EXPECT_EQ(Storable(p0_), -1);
  // Read again from 10: durable now.
  auto again = tracker_.Begin(p0_, 10, 29);
  tracker_.Complete(again, true);
  EXPECT_EQ(Storable(p0_), 30);
}

TEST_F(OffsetTrackerTest, CompletionsOfAnOlderGenerationAreIgnored) {
  auto a = tracker_.Begin(p0_, 0, 9);
  auto b = tracker_.Begin(p0_, 10, 19);
  tracker_.Complete(a, false);
  EXPECT_EQ(tracker_.Rewind(p0_), 0);
  EXPECT_EQ(tracker_.InFlight(p0_), 0u);
  auto again = tracker_.Begin(p0_, 0, 4);
  tracker_.Complete(b, true);  // from before the rewind: not counted
  EXPECT_EQ(Storable(p0_), -1);
  EXPECT_EQ(tracker_.InFlight(p0_), 1u);
  tracker_.Complete(again, true);
  EXPECT_EQ(Storable(p0_), 5);

  auto old = tracker_.Begin(p1_, 0, 9);
  tracker_.Forget(p1_);
  auto fresh = tracker_.Begin(p1_, 50, 59);
  tracker_.Complete(old, true);
  EXPECT_EQ(Storable(p1_), -1);
  tracker_.Complete(fresh, true);
  EXPECT_EQ(Storable(p1_), 60);
}

TEST_F(OffsetTrackerTest, WaitIdleReturnsOnceTheBatchesAreDone) {
  auto a = tracker_.Begin(p0_, 0, 9);
  auto b = tracker_.Begin(p1_, 0, 9);
  std::thread done([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    tracker_.Complete(a, true);
  });
  // p1 stays in flight, but only p0 is waited for.
  EXPECT_TRUE(tracker_.WaitIdle(
      {p0_}, std::chrono::steady_clock::now() + std::chrono::seconds(10)));
  done.join();
  EXPECT_FALSE(tracker_.WaitIdle(
      {p0_, p1_},
      std::chrono::steady_clock::now() + std::chrono::milliseconds(20)));
  tracker_.Complete(b, false);  // failed is not in flight
  EXPECT_TRUE(tracker_.WaitIdle({p1_}, std::chrono::steady_clock::now()));
}

}  // namespace
}  // namespace silt::ingest::internal
