#include "common/gzip.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace silt {
namespace {

class GzipTest : public ::testing::Test {
 protected:
  static std::string Text(size_t n) {
    std::string s;
    std::mt19937 rng(42);
    while (s.size() < n) {
      s += "{\"level\":\"info\",\"n\":" + std::to_string(rng() % 1000) + "}\n";
    }
    s.resize(n);
    return s;
  }
};

TEST_F(GzipTest, RoundTrip) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{100}, size_t{1} << 20}) {
    std::string in = Text(n);
    auto gz = GzipCompress(in);
    ASSERT_TRUE(gz.ok()) << gz.status();
    auto out = GzipDecompress(*gz, 64 << 20);
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(*out, in) << n;
  }
}

TEST_F(GzipTest, ConcatenatedMembers) {
  auto a = GzipCompress("hello ");
  auto b = GzipCompress("world");
  ASSERT_TRUE(a.ok() && b.ok());
  auto out = GzipDecompress(*a + *b, 1024);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, "hello world");
}

TEST_F(GzipTest, MaxOutputExactAndPast) {
  std::string in = Text(10000);
  auto gz = GzipCompress(in, 9);
  ASSERT_TRUE(gz.ok());
  EXPECT_TRUE(GzipDecompress(*gz, 10000).ok());
  EXPECT_EQ(GzipDecompress(*gz, 9999).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST_F(GzipTest, BombStopsAtTheLimit) {
  // 100 MB of zeros compress to ~100 KB; the limit stops it early.
  std::string zeros(100 << 20, '\0');
  auto gz = GzipCompress(zeros, 9);
  ASSERT_TRUE(gz.ok());
  EXPECT_LT(gz->size(), 1u << 20);
  EXPECT_EQ(GzipDecompress(*gz, 1 << 20).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST_F(GzipTest, GarbageIsInvalidArgument) {
  EXPECT_EQ(GzipDecompress("definitely not gzip", 1024).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GzipDecompress("", 1024).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(GzipTest, TruncatedIsInvalidArgument) {
  auto gz = GzipCompress(Text(5000));
  ASSERT_TRUE(gz.ok());
  for (size_t cut : {size_t{5}, gz->size() / 2, gz->size() - 1}) {
    EXPECT_EQ(GzipDecompress(gz->substr(0, cut), 1 << 20).status().code(),
              absl::StatusCode::kInvalidArgument)
        << cut;
  }
}

TEST_F(GzipTest, CorruptedByteIsInvalidArgument) {
  auto gz = GzipCompress(Text(5000));
  ASSERT_TRUE(gz.ok());
  std::string bad = *gz;
  bad[bad.size() - 6] ^= 0x5a;  // inside the CRC32 trailer
  EXPECT_EQ(GzipDecompress(bad, 1 << 20).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(GzipTest, TrailingGarbageIsInvalidArgument) {
  auto gz = GzipCompress("abc");
  ASSERT_TRUE(gz.ok());
  EXPECT_EQ(GzipDecompress(*gz + "xyz", 1024).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace silt
