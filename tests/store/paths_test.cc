#include "store/internal/paths.h"

#include <vector>

#include "gtest/gtest.h"

namespace silt::store {
namespace {

TEST(PathsTest, TenantEscapeIsReversibleAndSafe) {
  for (std::string t :
       std::vector<std::string>{"default", "", ".", "..", "a/b", "A-b_9", "x%y",
                                std::string("n\0l", 3), "ünï", "%"}) {
    std::string e = EscapeTenant(t);
    EXPECT_EQ(e.find('/'), std::string::npos) << t;
    EXPECT_NE(e, ".");
    EXPECT_NE(e, "..");
    EXPECT_FALSE(e.empty());
    auto back = UnescapeTenant(e);
    ASSERT_TRUE(back.has_value()) << e;
    EXPECT_EQ(*back, t);
  }
  EXPECT_EQ(EscapeTenant("a.b"), "a%2Eb");
  EXPECT_FALSE(UnescapeTenant("a%2").has_value());
  EXPECT_FALSE(UnescapeTenant("a%41").has_value());  // not canonical
}

TEST(PathsTest, UtcDays) {
  EXPECT_EQ(DayName(UtcDay(0)), "19700101");
  EXPECT_EQ(DayName(UtcDay(-1)), "19691231");
  // 2024-05-01T23:59:59.999999999Z and the next ns.
  const int64_t may2 = 1714608000LL * 1000000000LL;
  EXPECT_EQ(DayName(UtcDay(may2 - 1)), "20240501");
  EXPECT_EQ(DayName(UtcDay(may2)), "20240502");
}

TEST(PathsTest, SeqFileNames) {
  EXPECT_EQ(SeqFileName(42, ".wal"), "00000000000000000042.wal");
  EXPECT_EQ(ParseSeqFileName("00000000000000000042.wal", ".wal"), 42u);
  EXPECT_FALSE(ParseSeqFileName("42.part", ".wal").has_value());
  EXPECT_FALSE(ParseSeqFileName("x2.wal", ".wal").has_value());
  EXPECT_FALSE(ParseSeqFileName(".wal", ".wal").has_value());
}

}  // namespace
}  // namespace silt::store
