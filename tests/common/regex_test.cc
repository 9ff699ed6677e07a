#include "common/regex.h"

#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace silt {
namespace {

std::unique_ptr<Regex> MustCompile(std::string_view p, Regex::Mode mode,
                                   bool ci = false) {
  auto re = Regex::Compile(p, mode, ci);
  EXPECT_TRUE(re.ok()) << p << ": " << re.status();
  return re.ok() ? std::move(re).value() : nullptr;
}

using Mode = Regex::Mode;

TEST(RegexTest, SearchFindsAnywhere) {
  auto re = MustCompile("err(or)?", Mode::kSearch);
  EXPECT_TRUE(re->Matches("an error happened"));
  EXPECT_TRUE(re->Matches("err"));
  EXPECT_FALSE(re->Matches("warning"));
  EXPECT_EQ(re->pattern(), "err(or)?");
}

TEST(RegexTest, FullMatchIsAnchored) {
  auto re = MustCompile("api|web", Mode::kFullMatch);
  EXPECT_TRUE(re->Matches("api"));
  EXPECT_TRUE(re->Matches("web"));
  EXPECT_FALSE(re->Matches("api2"));
  EXPECT_FALSE(re->Matches("xweb"));
  EXPECT_FALSE(re->Matches(""));
}

TEST(RegexTest, FullMatchDoesNotAcceptTrailingNewline) {
  auto re = MustCompile("a.c", Mode::kFullMatch);
  EXPECT_TRUE(re->Matches("abc"));
  EXPECT_FALSE(re->Matches("abc\n"));
}

TEST(RegexTest, DotDoesNotMatchNewline) {
  auto re = MustCompile("a.b", Mode::kSearch);
  EXPECT_TRUE(re->Matches("xa-b"));
  EXPECT_FALSE(re->Matches("a\nb"));
  auto dotall = MustCompile("(?s)a.b", Mode::kSearch);
  EXPECT_TRUE(dotall->Matches("a\nb"));
}

TEST(RegexTest, EmptyPatternsWork) {
  auto empty_full = MustCompile("", Mode::kFullMatch);
  EXPECT_TRUE(empty_full->Matches(""));
  EXPECT_FALSE(empty_full->Matches("x"));
  auto empty_search = MustCompile("", Mode::kSearch);
  EXPECT_TRUE(empty_search->Matches(""));
  EXPECT_TRUE(empty_search->Matches("anything"));
  auto star = MustCompile(".*", Mode::kFullMatch);
  EXPECT_TRUE(star->Matches(""));
  EXPECT_TRUE(star->Matches("abc"));
  auto plus = MustCompile(".+", Mode::kFullMatch);
  EXPECT_FALSE(plus->Matches(""));
  EXPECT_TRUE(plus->Matches("a"));
  auto empty_anchor = MustCompile("^$", Mode::kSearch);
  EXPECT_TRUE(empty_anchor->Matches(""));
  EXPECT_FALSE(empty_anchor->Matches("a"));
}

TEST(RegexTest, CaseInsensitive) {
  auto re = MustCompile("error", Mode::kSearch, /*ci=*/true);
  EXPECT_TRUE(re->Matches("ERROR: x"));
  auto inline_flag = MustCompile("(?i)error", Mode::kSearch);
  EXPECT_TRUE(inline_flag->Matches("Error"));
  auto full = MustCompile("(?i)api", Mode::kFullMatch);
  EXPECT_TRUE(full->Matches("API"));
}

TEST(RegexTest, LiteralFastPath) {
  auto re = MustCompile("hello world", Mode::kSearch);
  EXPECT_TRUE(re->Matches("say hello world!"));
  EXPECT_FALSE(re->Matches("hello  world"));
  auto full = MustCompile("api", Mode::kFullMatch);
  EXPECT_TRUE(full->Matches("api"));
  EXPECT_FALSE(full->Matches("apis"));
}

TEST(RegexTest, InvalidUtf8InputIsFine) {
  auto re = MustCompile("a.c", Mode::kSearch);
  EXPECT_TRUE(
      re->Matches(std::string("a\xff"
                              "c",
                              3)));
  EXPECT_FALSE(re->Matches(std::string("\xff\xfe", 2)));
}

TEST(RegexTest, InvalidPatternIsInvalidArgument) {
  auto re = Regex::Compile("(unclosed", Mode::kSearch);
  ASSERT_FALSE(re.ok());
  EXPECT_EQ(re.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(re.status().message().find("(unclosed"), std::string::npos);
  EXPECT_FALSE(Regex::Compile("a(?=b)", Mode::kSearch).ok());  // lookahead
}

TEST(RegexTest, ManyThreadsManyRegexes) {
  std::vector<std::unique_ptr<Regex>> res;
  for (int i = 0; i < 20; ++i) {
    res.push_back(
        MustCompile("v" + std::to_string(i) + "[0-9]+x?", Mode::kFullMatch));
  }
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < 200; ++round) {
        for (int i = 0; i < 20; ++i) {
          std::string ok = "v" + std::to_string(i) + "42";
          if (!res[i]->Matches(ok)) failures++;
          if (res[i]->Matches("nope")) failures++;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace silt
