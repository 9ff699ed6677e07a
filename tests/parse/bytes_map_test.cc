#include "parse/internal/bytes_map.h"

#include <map>
#include <string>

#include "gtest/gtest.h"

namespace silt::parse::internal {
namespace {

// Against std::map over many keys (growing the table several times), with
// keys that share prefixes, differ only in their tail bytes or length, and
// the empty key; then again after Clear().
TEST(BytesMapTest, BehavesAsAMapAcrossGrowthAndClear) {
  BytesMap m;
  for (int round = 0; round < 3; ++round) {
    std::map<std::string, uint32_t> want;
    for (uint32_t i = 0; i < 3000; ++i) {
      std::string key(i % 37, static_cast<char>('a' + round));
      key += std::to_string(i * 2654435761u % 1000);
      const uint32_t value = i;
      auto [it, inserted] = want.try_emplace(key, value);
      ASSERT_EQ(m.Insert(key, value), it->second) << key;
      (void)inserted;
    }
    ASSERT_EQ(m.size(), want.size());
    for (const auto& [key, value] : want) {
      ASSERT_EQ(m.Find(key), value) << key;
      std::string other = key + "x";
      if (!want.count(other)) {
        EXPECT_EQ(m.Find(other), BytesMap::kNone);
      }
      if (!key.empty()) {
        std::string shorter = key.substr(0, key.size() - 1);
        if (!want.count(shorter)) {
          EXPECT_EQ(m.Find(shorter), BytesMap::kNone);
        }
      }
    }
    m.Clear();
    EXPECT_EQ(m.size(), 0u);
    for (const auto& [key, value] : want) {
      ASSERT_EQ(m.Find(key), BytesMap::kNone) << key;
    }
  }
  EXPECT_EQ(m.Insert("", 5), 5u);
  EXPECT_EQ(m.Insert("", 6), 5u);
  EXPECT_EQ(m.Find(""), 5u);
  EXPECT_EQ(m.Find(std::string("\0", 1)), BytesMap::kNone);
}

}  // namespace
}  // namespace silt::parse::internal
