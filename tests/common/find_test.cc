#include "common/find.h"

#include <random>
#include <string>

#include "gtest/gtest.h"

namespace silt {
namespace {

class FindTest : public ::testing::Test {
 protected:
  // FindSubstring must agree with string_view::find everywhere.
  static void Check(std::string_view hay, std::string_view needle) {
    const char* got = FindSubstring(hay, needle);
    const size_t want = hay.find(needle);
    if (want == std::string_view::npos) {
      EXPECT_EQ(got, nullptr) << "hay=" << hay << " needle=" << needle;
    } else {
      ASSERT_NE(got, nullptr) << "hay=" << hay << " needle=" << needle;
      EXPECT_EQ(static_cast<size_t>(got - hay.data()), want)
          << "hay=" << hay << " needle=" << needle;
    }
  }
};

TEST_F(FindTest, EdgeCases) {
  Check("", "");
  Check("abc", "");
  Check("", "a");
  Check("ab", "abc");
  Check("abc", "abc");
  Check("xabc", "c");
  Check("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", "aab");
}

TEST_F(FindTest, AgreesWithFindOnRandomText) {
  // A small alphabet makes partial matches (first and last byte equal)
  // common; every hay length around the 32-byte windows is covered, and
  // needles at the very end of the hay.
  std::mt19937 rng(7);
  for (size_t n = 0; n < 200; ++n) {
    for (size_t k : {2u, 3u, 5u, 16u, 32u, 33u, 40u}) {
      for (int round = 0; round < 4; ++round) {
        std::string hay(n, 'a');
        for (char& c : hay) c = "abc"[rng() % 3];
        std::string needle(k, 'a');
        for (char& c : needle) c = "abc"[rng() % 3];
        if (round == 1 && n >= k) {
          hay.replace(n - k, k, needle);  // at the end
        } else if (round == 2 && n >= k) {
          hay.replace(rng() % (n - k + 1), k, needle);
        }
        Check(hay, needle);
      }
    }
  }
}

}  // namespace
}  // namespace silt
