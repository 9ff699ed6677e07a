// Internals with a reference to check against: SHA-256 / HMAC vectors, and
// the credit_card detection scan against Hyperscan and the card locator.
#include <hs/hs.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "redact/internal/card_scan.h"
#include "redact/internal/hmac_sha256.h"
#include "redact/internal/locators.h"
#include "redact/internal/span.h"
#include "redact/redactor.h"

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

// Every match end Hyperscan reports for the card pattern, in order.
std::vector<size_t> HyperscanEnds(hs_database_t* db, hs_scratch_t* scratch,
                                  const std::string& s) {
  std::vector<size_t> ends;
  hs_scan(
      db, s.data(), static_cast<unsigned>(s.size()), 0, scratch,
      [](unsigned, unsigned long long, unsigned long long to, unsigned,
         void* p) {
        static_cast<std::vector<size_t>*>(p)->push_back(to);
        return 0;
      },
      &ends);
  std::sort(ends.begin(), ends.end());
  return ends;
}

// ScanCardRuns reports exactly the match ends of the regex it stands for,
// across its 64-byte steps, at the buffer's end and in long runs.
TEST(CardScanTest, SameMatchEndsAsHyperscan) {
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  ASSERT_EQ(
      hs_compile("[2-6][\\d \\-]{12}", 0, HS_MODE_BLOCK, nullptr, &db, &err),
      HS_SUCCESS);
  hs_scratch_t* scratch = nullptr;
  ASSERT_EQ(hs_alloc_scratch(db, &scratch), HS_SUCCESS);
  std::mt19937 rng(11);
  // Digits, separators, letters, bytes next to the class ('/', ':', ',',
  // '.'), high bytes and NUL.
  const std::string alphabet =
      std::string("0123456789012345 -a/:,.\xff\x80") + '\0';
  size_t total = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string s;
    const size_t n = rng() % 300;
    const int density = 1 + static_cast<int>(rng() % 8);
    for (size_t i = 0; i < n; ++i) {
      s += static_cast<int>(rng() % 10) < density
               ? static_cast<char>('0' + rng() % 10)
               : alphabet[rng() % alphabet.size()];
    }
    std::vector<size_t> got;
    ScanCardRuns(s.data(), s.size(), [&](size_t e) { got.push_back(e); });
    ASSERT_EQ(got, HyperscanEnds(db, scratch, s)) << s;
    total += got.size();
  }
  // A run across every step boundary of a long buffer, ending at its end.
  std::string run = "x" + std::string(200, '5');
  std::vector<size_t> got;
  ScanCardRuns(run.data(), run.size(), [&](size_t e) { got.push_back(e); });
  EXPECT_EQ(got, HyperscanEnds(db, scratch, run));
  EXPECT_EQ(got.size(), 200u - 12u);
  EXPECT_GT(total, 1000u);  // the random texts held many matches
  hs_free_scratch(scratch);
  hs_free_database(db);
}

// The credit_card detection (the card scan, beside the Hyperscan database
// of every other rule) must flag every text the locator finds a card in: a text
// they miss is never located, so a card in it would reach disk.
TEST(CardDetectionTest, FlagsEveryTextTheLocatorAccepts) {
  RedactOptions options;
  for (const std::string& name : RedactOptions::BuiltinRuleNames()) {
    options.builtin.push_back(
        RuleSetting{name, name == "credit_card", Action::kMask, ""});
  }
  auto rules = Rules::Compile(options);
  ASSERT_TRUE(rules.ok()) << rules.status();
  Redactor redactor(*rules);
  std::mt19937 rng(3);
  const char kAlphabet[] = "0123456789 -a\"";
  int cards = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    const size_t n = rng() % 40;
    // Card-like: groups of digits with the odd separator or letter, and
    // sometimes a real grouping of a Luhn-valid number.
    for (size_t i = 0; i < n; ++i) {
      s += rng() % 6 == 0 ? kAlphabet[rng() % (sizeof(kAlphabet) - 1)]
                          : static_cast<char>('0' + rng() % 10);
    }
    std::vector<Span> want;
    LocateCreditCards(s, 0, &want);
    const bool changed = redactor.RedactValue(s, /*json=*/false) != s;
    EXPECT_EQ(changed, !want.empty()) << s;
    cards += !want.empty();
  }
  for (const char* card :
       {"4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111",
        "3782 822463 10005", "3056 930902 5904", "4222222222222",
        "6011 0009 9013 9424", "5555-5555-5555-4444", "4000 0000 0000 0000 006",
        "x=4111111111111111;"}) {
    EXPECT_NE(redactor.RedactValue(card, false), card) << card;
    ++cards;
  }
  EXPECT_GT(cards, 10);  // the random texts held cards, too
}

}  // namespace
}  // namespace silt::redact::internal
