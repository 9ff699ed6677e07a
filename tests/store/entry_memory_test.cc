#include "store/internal/entry_memory.h"

#include <cstdint>
#include <cstring>
#include <set>
#include <vector>

#include "gtest/gtest.h"
#include "store/internal/head.h"

namespace silt::store {
namespace {

constexpr size_t kMin = SizeClassArena::kMinBlock;

// A block given back is what the next request of its size class gets,
// contents and all: it stays faulted in for the next head.
TEST(SizeClassArenaTest, ReusesAGivenBackBlock) {
  SizeClassArena arena;
  char* p = static_cast<char*>(arena.Allocate(3 * kMin));  // class 4 * kMin
  std::memset(p, 'e', 4 * kMin);  // all of the class size is usable
  arena.Deallocate(p, 3 * kMin);
  char* q = static_cast<char*>(arena.Allocate(4 * kMin));
  EXPECT_EQ(q, p);
  EXPECT_EQ(q[4 * kMin - 1], 'e');
  // Another size class does not get it.
  char* r = static_cast<char*>(arena.Allocate(2 * kMin));
  EXPECT_NE(r, q);
  arena.Deallocate(q, 4 * kMin);
  arena.Deallocate(r, 2 * kMin);
}

// Blocks live do not overlap, across chunks and every size class, and are
// all writable; small and huge requests work too.
TEST(SizeClassArenaTest, LiveBlocksAreDisjoint) {
  SizeClassArena arena;
  struct Block {
    char* p;
    size_t n;
  };
  std::vector<Block> live;
  const size_t sizes[] = {kMin,       kMin + 1, 5 * kMin, 64 * kMin - 3,
                          128 * kMin, 100,      0,        (3 << 20) + 5};
  for (int round = 0; round < 6; ++round) {
    for (size_t n : sizes) {
      char* p = static_cast<char*>(arena.Allocate(n));
      ASSERT_NE(p, nullptr);
      EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 16, 0u);
      if (n > 0) std::memset(p, round, n);
      live.push_back({p, n});
    }
    // Give every other one back: later rounds reuse them.
    if (round % 2 == 1) {
      for (size_t i = 0; i < live.size(); i += 2) {
        arena.Deallocate(live[i].p, live[i].n);
        live[i] = live.back();
        live.pop_back();
      }
    }
  }
  std::set<std::pair<uintptr_t, uintptr_t>> spans;
  for (const Block& b : live) {
    const uintptr_t a = reinterpret_cast<uintptr_t>(b.p);
    spans.insert({a, a + (b.n == 0 ? 1 : b.n)});
  }
  uintptr_t end = 0;
  for (const auto& [from, to] : spans) {
    EXPECT_GE(from, end);
    end = to;
  }
  for (const Block& b : live) arena.Deallocate(b.p, b.n);
}

// A head's entry vectors grow and are reused through the arena with their
// entries intact.
TEST(SizeClassArenaTest, HeadEntriesKeepTheirEntries) {
  HeadEntries v;
  for (int i = 0; i < 100000; ++i) {
    HeadEntry e{};
    e.ts_ns = i;
    v.push_back(e);
  }
  for (int i = 0; i < 100000; ++i) ASSERT_EQ(v[i].ts_ns, i);
  HeadEntries w(v.begin(), v.begin() + 1000);
  v = HeadEntries();
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(w[i].ts_ns, i);
}

}  // namespace
}  // namespace silt::store
