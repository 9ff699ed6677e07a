#include "common/time_util.h"

#include <cstdint>
#include <string>

#include "gtest/gtest.h"

namespace silt {
namespace {

// 2024-05-01T10:00:00Z.
constexpr int64_t kMay1 = 1714557600LL * 1000000000LL;

class TimeUtilTest : public ::testing::Test {
 protected:
  static int64_t Rfc(std::string_view text) {
    absl::StatusOr<int64_t> ns = ParseRfc3339Nanos(text);
    EXPECT_TRUE(ns.ok()) << text << ": " << ns.status();
    return ns.ok() ? *ns : -1;
  }
  static int64_t Dur(std::string_view text) {
    absl::StatusOr<int64_t> ns = ParseDuration(text);
    EXPECT_TRUE(ns.ok()) << text << ": " << ns.status();
    return ns.ok() ? *ns : -1;
  }
};

TEST_F(TimeUtilTest, Rfc3339Basic) {
  EXPECT_EQ(Rfc("2024-05-01T10:00:00Z"), kMay1);
  EXPECT_EQ(Rfc("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(Rfc("2024-05-01t10:00:00z"), kMay1);
  EXPECT_EQ(Rfc("2024-05-01 10:00:00Z"), kMay1);
}

TEST_F(TimeUtilTest, Rfc3339Offsets) {
  EXPECT_EQ(Rfc("2024-05-01T12:00:00+02:00"), kMay1);
  EXPECT_EQ(Rfc("2024-05-01T05:30:00-04:30"), kMay1);
  EXPECT_EQ(Rfc("2024-05-01T10:00:00+00:00"), kMay1);
  EXPECT_EQ(Rfc("2024-05-01T10:00:00-00:00"), kMay1);
  EXPECT_EQ(Rfc("2024-05-01T12:00:00+0200"), kMay1);
  // An offset that crosses midnight and a month boundary.
  EXPECT_EQ(Rfc("2024-04-30T23:00:00-11:00"), kMay1);
}

TEST_F(TimeUtilTest, Rfc3339FractionDigits) {
  const char* kCases[] = {
      "2024-05-01T10:00:00.1Z",         "2024-05-01T10:00:00.12Z",
      "2024-05-01T10:00:00.123Z",       "2024-05-01T10:00:00.1234Z",
      "2024-05-01T10:00:00.12345Z",     "2024-05-01T10:00:00.123456Z",
      "2024-05-01T10:00:00.1234567Z",   "2024-05-01T10:00:00.12345678Z",
      "2024-05-01T10:00:00.123456789Z",
  };
  const int64_t kWant[] = {100000000, 120000000, 123000000,
                           123400000, 123450000, 123456000,
                           123456700, 123456780, 123456789};
  for (int i = 0; i < 9; ++i) {
    EXPECT_EQ(Rfc(kCases[i]), kMay1 + kWant[i]) << kCases[i];
  }
  // Digits past the ninth are dropped, not rounded.
  EXPECT_EQ(Rfc("2024-05-01T10:00:00.1234567899Z"), kMay1 + 123456789);
  EXPECT_EQ(Rfc("2024-05-01T10:00:00.5+01:00"),
            kMay1 - 3600000000000LL + 500000000);
}

TEST_F(TimeUtilTest, Rfc3339CalendarEdges) {
  EXPECT_EQ(Rfc("2024-02-29T00:00:00Z"), 1709164800LL * 1000000000LL);
  EXPECT_EQ(Rfc("2000-03-01T00:00:00Z"), 951868800LL * 1000000000LL);
  EXPECT_EQ(Rfc("1969-12-31T23:59:59Z"), -1000000000LL);
  EXPECT_EQ(Rfc("2262-04-11T23:47:16Z"), 9223372036LL * 1000000000LL);
}

TEST_F(TimeUtilTest, Rfc3339Rejects) {
  const char* kBad[] = {
      "",
      "2024-05-01",
      "2024-05-01T10:00:00",         // no zone
      "2024-05-01T10:00:00.Z",       // empty fraction
      "2024-13-01T10:00:00Z",        // month
      "2024-02-30T10:00:00Z",        // day
      "2023-02-29T10:00:00Z",        // not a leap year
      "2024-05-01T24:00:00Z",        // hour
      "2024-05-01T10:60:00Z",        // minute
      "2024-05-01T10:00:61Z",        // second
      "2024-05-01X10:00:00Z",        // separator
      "2024-05-01T10:00:00+2:00",    // short offset
      "2024-05-01T10:00:00+02:00x",  // trailing bytes
      "2024/05/01T10:00:00Z",
      "24-05-01T10:00:00Z",
      "9999-05-01T10:00:00Z",  // beyond int64 ns
      "hello world, this is not a time",
  };
  for (const char* text : kBad) {
    absl::StatusOr<int64_t> ns = ParseRfc3339Nanos(text);
    EXPECT_FALSE(ns.ok()) << text << " -> " << *ns;
    if (!ns.ok()) {
      EXPECT_EQ(ns.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
}

TEST_F(TimeUtilTest, EpochUnitsByMagnitude) {
  EXPECT_EQ(EpochIntToNanos(1714557600), kMay1);
  EXPECT_EQ(EpochIntToNanos(1714557600123), kMay1 + 123000000);
  EXPECT_EQ(EpochIntToNanos(1714557600123456), kMay1 + 123456000);
  EXPECT_EQ(EpochIntToNanos(1714557600123456789), kMay1 + 123456789);
  EXPECT_EQ(EpochIntToNanos(0), 0);
  EXPECT_EQ(EpochToNanos(1714557600.0), kMay1);
  EXPECT_EQ(EpochToNanos(1714557600.5), kMay1 + 500000000);
  EXPECT_EQ(EpochToNanos(1714557600123.0), kMay1 + 123000000);
  EXPECT_EQ(EpochToNanos(1714557600123456.0), kMay1 + 123456000);
  EXPECT_NEAR(static_cast<double>(EpochToNanos(1714557600.123456)),
              static_cast<double>(kMay1 + 123456000), 1000.0);
}

TEST_F(TimeUtilTest, LokiTime) {
  EXPECT_EQ(*ParseLokiTime("1714557600000000000"), kMay1);
  EXPECT_EQ(*ParseLokiTime("1714557600"), kMay1);  // <= 10 digits: seconds
  EXPECT_EQ(*ParseLokiTime("1714557600.5"), kMay1 + 500000000);
  EXPECT_EQ(*ParseLokiTime("2024-05-01T10:00:00Z"), kMay1);
  EXPECT_EQ(*ParseLokiTime("4000000000"), 4000000000LL * 1000000000LL);
  absl::StatusOr<int64_t> bad = ParseLokiTime("yesterday");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("yesterday"), std::string::npos);
  EXPECT_FALSE(ParseLokiTime("").ok());
}

TEST_F(TimeUtilTest, Durations) {
  constexpr int64_t kS = 1000000000;
  EXPECT_EQ(Dur("5m"), 300 * kS);
  EXPECT_EQ(Dur("1h30m"), 5400 * kS);
  EXPECT_EQ(Dur("250ms"), 250000000);
  EXPECT_EQ(Dur("60000ms"), 60 * kS);
  EXPECT_EQ(Dur("1d"), 86400 * kS);
  EXPECT_EQ(Dur("1w"), 7 * 86400 * kS);
  EXPECT_EQ(Dur("1y"), 365 * 86400 * kS);
  EXPECT_EQ(Dur("1h2m3s4ms"), 3723 * kS + 4000000);
  EXPECT_EQ(Dur("60"), 60 * kS);
  EXPECT_EQ(Dur("1.5"), 1500000000);
  EXPECT_EQ(Dur("1.5h"), 5400 * kS);
  EXPECT_EQ(Dur("10us"), 10000);
  EXPECT_EQ(Dur("7ns"), 7);
  EXPECT_EQ(Dur("0s"), 0);
  EXPECT_EQ(Dur("-5m"), -300 * kS);
  const char* kBad[] = {"", "m", "5x", "1h30", "h5", "--5m", "5 m", "1e3s"};
  for (const char* text : kBad) {
    absl::StatusOr<int64_t> d = ParseDuration(text);
    EXPECT_FALSE(d.ok()) << text << " -> " << *d;
  }
}

TEST_F(TimeUtilTest, FormatRoundTrip) {
  EXPECT_EQ(FormatRfc3339Nanos(kMay1), "2024-05-01T10:00:00Z");
  EXPECT_EQ(FormatRfc3339Nanos(kMay1 + 123456789),
            "2024-05-01T10:00:00.123456789Z");
  EXPECT_EQ(FormatRfc3339Nanos(kMay1 + 120000000), "2024-05-01T10:00:00.12Z");
  EXPECT_EQ(FormatRfc3339Nanos(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339Nanos(-1), "1969-12-31T23:59:59.999999999Z");
  const int64_t kSamples[] = {0,
                              1,
                              -1,
                              kMay1 + 7,
                              951868800LL * 1000000000LL,
                              -86400LL * 1000000000LL * 365 * 200 + 42,
                              9223372036LL * 1000000000LL};
  for (int64_t ns : kSamples) {
    EXPECT_EQ(Rfc(FormatRfc3339Nanos(ns)), ns) << ns;
  }
  // Sweep across days of several years (leap years included).
  for (int64_t ns = -5LL * 365 * 86400 * 1000000000LL;
       ns < 60LL * 365 * 86400 * 1000000000LL; ns += 86399123456789LL) {
    ASSERT_EQ(Rfc(FormatRfc3339Nanos(ns)), ns) << FormatRfc3339Nanos(ns);
  }
}

TEST_F(TimeUtilTest, NowIsRecent) {
  const int64_t now = NowNanos();
  EXPECT_GT(now, kMay1);
  EXPECT_LT(now, EpochIntToNanos(4102444800));  // 2100
}

}  // namespace
}  // namespace silt
