// Internals with a reference to check against: SHA-256 / HMAC vectors and
// the SIMD digit-run scan against a byte-by-byte one.
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "redact/internal/digit_runs.h"
#include "redact/internal/hmac_sha256.h"

namespace silt::redact::internal {
namespace {

std::string Hex(const Sha256Digest& d) {
  static const char kHex[] = "0123456789abcdef";
  std::string s;
  for (uint8_t b : d) {
    s += kHex[b >> 4];
    s += kHex[b & 15];
  }
  return s;
}

TEST(Sha256Test, FipsAndRfc4231Vectors) {
  EXPECT_EQ(Hex(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Hex(Sha256(std::string(1000, 'a'))),
            "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
  EXPECT_EQ(Hex(HmacSha256("Jefe").Mac("what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // A key longer than the block is hashed first.
  EXPECT_EQ(Hex(HmacSha256(std::string(100, 'k')).Mac("x")),
            "8c1858bff6cf9cb73708b4b54f43bca6e1b8b4c3380760dc009001b265b64c6f");
}

// Byte-by-byte: offsets where a run of digits/separators-after-a-digit
// reaches kCardRunBytes.
std::vector<uint32_t> Reference(const std::string& s) {
  std::vector<uint32_t> out;
  int run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool digit = c >= '0' && c <= '9';
    const bool sep =
        (c == ' ' || c == '-') && i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9';
    run = digit || sep ? run + 1 : 0;
    if (run == kCardRunBytes) out.push_back(static_cast<uint32_t>(i));
  }
  return out;
}

TEST(DigitRunsTest, AgreesWithAByteByByteScan) {
  std::mt19937 rng(3);
  const char kAlphabet[] = "0123456789 -a\"";
  for (int round = 0; round < 2000; ++round) {
    std::string s;
    const size_t n = rng() % 300;
    // Mostly digits, so runs cross 64-byte blocks in every way.
    for (size_t i = 0; i < n; ++i) {
      s += rng() % 8 == 0 ? kAlphabet[rng() % (sizeof(kAlphabet) - 1)]
                          : static_cast<char>('0' + rng() % 10);
    }
    std::vector<uint32_t> got;
    FindLongDigitRuns(s.data(), s.size(), &got);
    // Reported at least once each, never anywhere else.
    std::vector<uint32_t> want = Reference(s);
    std::vector<uint32_t> uniq;
    for (uint32_t g : got) {
      if (uniq.empty() || uniq.back() != g) uniq.push_back(g);
    }
    EXPECT_EQ(uniq, want) << s;
  }
}

TEST(DigitRunsTest, ShortRunsAndTails) {
  std::vector<uint32_t> got;
  FindLongDigitRuns("123456789012", 12, &got);
  EXPECT_TRUE(got.empty());
  FindLongDigitRuns("x4111 1111 1111 1111", 20, &got);
  EXPECT_EQ(got, std::vector<uint32_t>{13});
}

}  // namespace
}  // namespace silt::redact::internal
