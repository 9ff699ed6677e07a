// Internals with a reference to check against: SHA-256 / HMAC vectors, and
// the credit_card detection patterns against the card locator.
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
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

// The credit_card detection patterns (one Hyperscan database with every
// other rule) must flag every text the locator finds a card in: a text
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
