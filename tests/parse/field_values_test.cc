#include "parse/internal/field_values.h"

#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace silt::parse::internal {
namespace {

// The memoised parser (memo: the hour) must answer exactly as
// ParseTimestampValue, whatever came before: same minute, new minute, shapes it
// leaves to the general parser, and invalid text right after a memoised minute.
void ExpectSame(TimestampParser* p, const std::string& text, bool is_number) {
  int64_t want = -1, got = -1;
  const bool want_ok = ParseTimestampValue(text, is_number, &want);
  const bool got_ok = p->Parse(text, is_number, &got);
  ASSERT_EQ(got_ok, want_ok) << "'" << text << "'";
  if (want_ok) {
    ASSERT_EQ(got, want) << "'" << text << "'";
  }
}

TEST(TimestampParserTest, AgreesWithTheGeneralParser) {
  const std::vector<std::string> minutes = {
      "2024-05-01T12:00",    "2024-05-01T12:01", "2024-05-01t12:01",
      "2024-05-01 12:01",    "2024-02-29T23:59", "2023-02-29T10:00",
      "2024-13-01T10:00",    "2024-05-01T24:00", "2024-05-01T10:60",
      "1970-01-01T00:00",    "1969-12-31T23:59", "2262-04-11T23:47",
      "2262-04-11T23:46",    "9999-12-31T23:59", "2024-05-01X12:00",
      "2024-05-01T12-00",    "20240501T1200000", "abcd-ef-ghTij:kl",
      std::string(16, '\0'),
  };
  const std::vector<std::string> tails = {
      ":00Z",
      ":07Z",
      ":59z",
      ":60Z",
      ":5Z",
      ":07.Z",
      ":07.1Z",
      ":07.123456789Z",
      ":07.1234567891234Z",
      ":07,5Z",
      ":07.12a4Z",
      ":07.5+02:00",
      ":07.12345678Z",
      ":07.99999999Z",
      ":07.1234567Z",
      ":07.1234/678Z",
      ":07.123456:8Z",
      ":07.12345678aZ",
      ":07.1234567890123456789Z",
      ":07.0000000 Z",
      ":07-0130",
      ":07Z ",
      ":07.000481479Z",
      ":07",
      ":07.5",
      ":07ZZ",
      "Z",
      ":16.854775807Z",
      ":16.854775808Z",
  };
  TimestampParser p;
  int ok = 0;
  for (int round = 0; round < 2; ++round) {
    for (const std::string& m : minutes) {
      for (const std::string& t : tails) {
        ExpectSame(&p, m + t, false);
        ExpectSame(&p, m + t, true);
        // Alternate with a plain valid minute so the memo keeps changing.
        ExpectSame(&p, "2024-05-01T12:00" + t, false);
        int64_t ns;
        if (ParseTimestampValue(m + t, false, &ns)) ++ok;
      }
    }
  }
  EXPECT_GT(ok, 100);
  // Epoch numbers and numeric strings are untouched by the memo.
  ExpectSame(&p, "1714557600", true);
  ExpectSame(&p, "1714557600.5", false);
  ExpectSame(&p, "1714557600123", true);
}

TEST(TimestampParserTest, MemoisedMinuteGivesExactNanos) {
  TimestampParser p;
  int64_t ns = 0;
  ASSERT_TRUE(p.Parse("2024-05-01T12:00:00.000481479Z", false, &ns));
  EXPECT_EQ(ns, 1714564800000481479LL);
  ASSERT_TRUE(p.Parse("2024-05-01T12:00:59.9Z", false, &ns));
  EXPECT_EQ(ns, 1714564859900000000LL);
  ASSERT_TRUE(p.Parse("2024-05-01T12:00:01Z", false, &ns));
  EXPECT_EQ(ns, 1714564801000000000LL);
  EXPECT_FALSE(p.Parse("2024-05-01T12:00:61Z", false, &ns));
}

}  // namespace
}  // namespace silt::parse::internal
