#include "parse/internal/line_walker.h"

#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "parse/internal/path_matcher.h"

namespace silt::parse::internal {
namespace {

// A key of `n` bytes that differs from others of the same length in its
// first, middle and last byte depending on `seed`.
std::string MakeKey(size_t n, char seed) {
  std::string k(n, 'k');
  for (size_t i = 0; i < n; ++i) k[i] = static_cast<char>('a' + (i * 7) % 26);
  k[0] = seed;
  k[n / 2] = seed;
  k[n - 1] = seed;
  return k;
}

// FindPadded (vector compare, for keys inside a padded buffer) gives the
// same answer as Find for every length around the 32-byte step, for hits,
// near misses (one byte off anywhere) and other parents.
TEST(PathMatcherTest, FindPaddedAgreesWithFind) {
  PathMatcher m;
  std::vector<std::string> keys;
  for (size_t n = 1; n <= 40; ++n) {
    keys.push_back(MakeKey(n, 'x'));
    m.Add(keys.back(), 0, static_cast<uint16_t>(n));
    m.Add("outer." + keys.back(), 1, static_cast<uint16_t>(n));
  }
  const uint32_t outer = m.Find(PathMatcher::kRoot, "outer");
  ASSERT_NE(outer, PathMatcher::kNone);
  std::string buf;
  auto padded = [&](std::string_view key) {
    buf.assign(key);
    buf.append(PathMatcher::kPadRead, 'x');  // readable, and not zeros
    return std::string_view(buf.data(), key.size());
  };
  int hits = 0;
  for (const std::string& k : keys) {
    for (uint32_t node : {PathMatcher::kRoot, outer, uint32_t{12345}}) {
      const uint32_t want = m.Find(node, k);
      EXPECT_EQ(m.FindPadded(node, padded(k)), want) << k;
      if (want != PathMatcher::kNone) ++hits;
      for (size_t i = 0; i < k.size(); ++i) {
        std::string off = k;
        off[i] = static_cast<char>(off[i] ^ 1);
        EXPECT_EQ(m.Find(node, off), PathMatcher::kNone);
        EXPECT_EQ(m.FindPadded(node, padded(off)), PathMatcher::kNone) << off;
      }
      // A prefix of a known key, with the rest of the key still in the
      // buffer after it, is not that key.
      buf = k + std::string(PathMatcher::kPadRead, 'x');
      for (size_t len = 1; len < k.size(); ++len) {
        EXPECT_EQ(m.FindPadded(node, std::string_view(buf.data(), len)),
                  m.Find(node, k.substr(0, len)));
      }
    }
  }
  EXPECT_EQ(hits, 80);
}

class LineWalkerTest : public ::testing::Test {
 protected:
  LineWalkerTest() : walker_(&matcher_, 2) {}
  void SetUp() override {
    matcher_.Add("level", 0, 0);
    matcher_.Add("a.b", 1, 0);
  }
  simdjson::error_code Walk(std::string_view line) {
    buf_.assign(line);
    buf_.append(simdjson::SIMDJSON_PADDING, '\0');
    return walker_.Walk(buf_.data(), line.size(), buf_.size());
  }
  std::string Slot(size_t i) const {
    const SlotValue& s = walker_.slot(i);
    return s.present() ? std::string(s.text) : "<absent>";
  }

  PathMatcher matcher_;
  LineWalker walker_;
  std::string buf_;
};

// Keys are found by a 32-byte scan for their closing quote: keys of every
// length, keys ending right at a 32-byte step, and keys with escapes (never
// matched, whatever they unescape to) all read as before.
TEST_F(LineWalkerTest, KeysOfEveryLengthAndEscapes) {
  for (size_t n = 1; n <= 70; ++n) {
    const std::string filler(n, 'f');
    const std::string line = "{\"" + filler +
                             "\":1,\"level\":\"info\",\"a\":{\"" + filler +
                             "\":2,\"b\":\"x" + filler + "\"}}";
    ASSERT_EQ(Walk(line), simdjson::SUCCESS) << line;
    EXPECT_EQ(Slot(0), "info") << n;
    EXPECT_EQ(Slot(1), "x" + filler) << n;
  }
  EXPECT_EQ(Walk(R"({"lev\u0065l":"info","a":{"b":"y"}})"), simdjson::SUCCESS);
  EXPECT_EQ(Slot(0), "<absent>");
  EXPECT_EQ(Slot(1), "y");
  // An escaped quote inside a key, and a backslash past the first 32 bytes.
  EXPECT_EQ(Walk(R"({"le\"vel":"a","level":"b"})"), simdjson::SUCCESS);
  EXPECT_EQ(Slot(0), "b");
  const std::string long_escaped =
      "{\"" + std::string(40, 'z') + "\\\\\":1,\"level\":\"c\"}";
  EXPECT_EQ(Walk(long_escaped), simdjson::SUCCESS);
  EXPECT_EQ(Slot(0), "c");
  // A key ending in a backslash-escaped backslash is still escaped.
  EXPECT_EQ(Walk(R"({"level\\":"d"})"), simdjson::SUCCESS);
  EXPECT_EQ(Slot(0), "<absent>");
}

}  // namespace
}  // namespace silt::parse::internal
