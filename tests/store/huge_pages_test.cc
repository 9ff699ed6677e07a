#include "store/internal/huge_pages.h"

#include <cstring>

#include "gtest/gtest.h"

namespace silt::store {
namespace {

// A mapping given back is what the next taker of its size gets, contents
// and all: it is not unmapped and faulted in afresh.
TEST(HugePagePoolTest, ReusesAGivenBackMapping) {
  HugePagePool pool(8 << 20);
  char* p = pool.Take(1 << 20);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % kHugePageBytes, 0u);
  std::memset(p, 'x', kHugePageBytes);  // all of the rounded-up size
  pool.Give(p, 1 << 20);
  EXPECT_EQ(pool.kept_bytes(), kHugePageBytes);
  char* q = pool.Take(kHugePageBytes);  // the same rounded size
  EXPECT_EQ(q, p);
  EXPECT_EQ(q[0], 'x');
  EXPECT_EQ(q[kHugePageBytes - 1], 'x');
  EXPECT_EQ(pool.kept_bytes(), 0u);
  pool.Give(q, kHugePageBytes);
}

TEST(HugePagePoolTest, SizesAreNotMixed) {
  HugePagePool pool(16 << 20);
  char* small = pool.Take(kHugePageBytes);
  pool.Give(small, kHugePageBytes);
  char* big = pool.Take(2 * kHugePageBytes);
  EXPECT_NE(big, small);
  std::memset(big, 1, 2 * kHugePageBytes);  // all of it is mapped
  EXPECT_EQ(pool.kept_bytes(), kHugePageBytes);
  pool.Give(big, 2 * kHugePageBytes);
  EXPECT_EQ(pool.kept_bytes(), 3 * kHugePageBytes);
  EXPECT_EQ(pool.Take(2 * kHugePageBytes), big);
  EXPECT_EQ(pool.Take(kHugePageBytes), small);
  pool.Give(big, 2 * kHugePageBytes);
  pool.Give(small, kHugePageBytes);
}

// Past its bound the pool unmaps what it is given.
TEST(HugePagePoolTest, KeepsNoMoreThanItsBound) {
  HugePagePool pool(2 * kHugePageBytes);
  char* m[3];
  for (char*& p : m) p = pool.Take(kHugePageBytes);
  for (char* p : m) pool.Give(p, kHugePageBytes);
  EXPECT_EQ(pool.kept_bytes(), 2 * kHugePageBytes);
  // The two kept are handed out again, last given first; then new ones.
  EXPECT_EQ(pool.Take(kHugePageBytes), m[1]);
  EXPECT_EQ(pool.Take(kHugePageBytes), m[0]);
  EXPECT_EQ(pool.kept_bytes(), 0u);
  pool.Give(m[0], kHugePageBytes);
  pool.Give(m[1], kHugePageBytes);
}

}  // namespace
}  // namespace silt::store
