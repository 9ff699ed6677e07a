#include "store/internal/merge.h"

#include <algorithm>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "store/internal/head.h"

namespace silt::store {
namespace {

bool RefLess(const HeadEntry& a, const HeadEntry& b) {
  if (a.ts_ns != b.ts_ns) return a.ts_ns < b.ts_ns;
  return a.line() < b.line();
}

std::vector<std::pair<int64_t, std::string>> Flat(
    const std::vector<HeadEntry>& v) {
  std::vector<std::pair<int64_t, std::string>> out;
  for (const HeadEntry& e : v) out.emplace_back(e.ts_ns, std::string(e.line()));
  return out;
}

class SortHeadEntriesTest : public ::testing::Test {
 protected:
  // Entries with timestamps `ts` and random short lines (many repeats).
  std::vector<HeadEntry> Make(const std::vector<int64_t>& ts) {
    std::mt19937 rng(7);
    std::vector<HeadEntry> v;
    for (int64_t t : ts) {
      const std::string& line =
          lines_.emplace_back("line " + std::to_string(rng() % 50));
      HeadEntry e{};
      e.ts_ns = t;
      e.data = line.data();
      e.line_len = static_cast<uint32_t>(line.size());
      v.push_back(e);
    }
    return v;
  }
  void Check(std::vector<HeadEntry> v) {
    std::vector<HeadEntry> want = v;
    std::sort(want.begin(), want.end(), RefLess);
    SortHeadEntries(&v);
    EXPECT_TRUE(HeadEntriesSorted(v));
    EXPECT_EQ(Flat(v), Flat(want));
  }
  std::deque<std::string> lines_;
};

TEST_F(SortHeadEntriesTest, TimeOrderWithEqualTimestampsSortsTheirLines) {
  std::vector<int64_t> ts;
  for (int i = 0; i < 2000; ++i) ts.push_back(i / 7);  // runs of 7 equal ts
  std::vector<HeadEntry> v = Make(ts);
  EXPECT_FALSE(HeadEntriesSorted(v));
  Check(v);
}

TEST_F(SortHeadEntriesTest, OutOfOrderTimestamps) {
  std::mt19937 rng(3);
  std::vector<int64_t> ts;
  for (int i = 0; i < 2000; ++i) ts.push_back(i + rng() % 40 - (i % 5) * 3);
  Check(Make(ts));
}

TEST_F(SortHeadEntriesTest, LateEntriesAndOneFarAhead) {
  // Time order with some entries a while late, equal timestamps among
  // them, and one entry far ahead (everything after it is "late").
  std::vector<int64_t> ts;
  for (int i = 0; i < 3000; ++i) {
    ts.push_back(i % 50 == 7 ? i * 10 - 700 : i * 10);
    if (i % 200 == 3) ts.push_back(i * 10);  // an equal timestamp
  }
  Check(Make(ts));
  ts.insert(ts.begin() + 1500, int64_t{1} << 40);
  Check(Make(ts));
  ts.insert(ts.begin(), int64_t{1} << 41);  // first of all
  Check(Make(ts));
}

TEST_F(SortHeadEntriesTest, SortedAndEmptyStayAsTheyAre) {
  Check(Make({}));
  Check(Make({5}));
  Check(Make({1, 2, 3, 4, 9, 100}));
}

}  // namespace
}  // namespace silt::store
