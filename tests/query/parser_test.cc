#include "query/internal/parser.h"

#include "gtest/gtest.h"
#include "query/internal/filter.h"
#include "query/internal/lexer.h"
#include "query/internal/pipeline.h"

namespace silt::query {
namespace {

std::string Roundtrip(std::string_view q) {
  auto e = ParseExpr(q);
  if (!e.ok()) return "ERROR: " + std::string(e.status().message());
  return (*e)->ToString();
}

std::string ErrorOf(std::string_view q) {
  auto e = ParseExpr(q);
  if (e.ok()) return "OK: " + (*e)->ToString();
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(e.status().message());
}

TEST(ParserTest, StreamSelectors) {
  EXPECT_EQ(Roundtrip(R"({a="b", c!="d", e=~"x.*", f!~"y"})"),
            R"({a="b", c!="d", e=~"x.*", f!~"y"})");
  EXPECT_EQ(Roundtrip(R"({ app = "api" })"), R"({app="api"})");
  auto e = ParseExpr(R"({a="b", c!="d"})");
  ASSERT_TRUE(e.ok());
  ASSERT_EQ((*e)->kind, Expr::Kind::kLog);
  const auto& log = static_cast<const LogExpr&>(**e);
  ASSERT_EQ(log.matchers.size(), 2u);
  EXPECT_EQ(log.matchers[1].op(), index::Matcher::Op::kNe);
  EXPECT_FALSE(log.IsMetric());
}

TEST(ParserTest, LineFiltersChain) {
  EXPECT_EQ(Roundtrip(R"({a="b"} |= "x" != "y" |~ "(?i)err" !~ "z+")"),
            R"({a="b"} |= "x" != "y" |~ "(?i)err" !~ "z+")");
}

TEST(ParserTest, StringsEscapesAndRaw) {
  auto e = ParseExpr("{a=\"q\\\"t\\n\\x41\\u00e9\\101\"} |= `raw\\d+\"`");
  ASSERT_TRUE(e.ok()) << e.status();
  const auto& log = static_cast<const LogExpr&>(**e);
  EXPECT_EQ(log.matchers[0].value(),
            "q\"t\nA\xc3\xa9"
            "A");
  EXPECT_EQ(log.pipeline[0].line_filter.values[0].value, "raw\\d+\"");
  EXPECT_NE(ErrorOf(R"({a="\q"})").find("unknown escape"), std::string::npos);
}

TEST(ParserTest, CommentsAndNewlines) {
  EXPECT_EQ(Roundtrip("{a=\"b\"} # everything\n|= \"x\" # then x"),
            R"({a="b"} |= "x")");
  EXPECT_EQ(Roundtrip("{a=\"#not a comment\"}"), R"({a="#not a comment"})");
}

TEST(ParserTest, KeywordsAreCaseInsensitive) {
  EXPECT_EQ(Roundtrip(R"(SUM BY (app) (COUNT_OVER_TIME({a="b"}[5m])))"),
            R"(sum by (app)(count_over_time({a="b"} [5m])))");
  EXPECT_EQ(Roundtrip(R"(Rate({a="b"}[1m]))"), R"(rate({a="b"} [1m]))");
}

TEST(ParserTest, EmptyCompatibleSelectorsAreRejected) {
  const std::string msg =
      "parse error : queries require at least one regexp or equality matcher "
      "that does not have an empty-compatible value. For instance, "
      "app=~\".*\" does not meet this requirement, but app=~\".+\" will";
  EXPECT_EQ(ErrorOf(R"({app=~".*"})"), msg);
  EXPECT_EQ(ErrorOf(R"({foo!="bar"})"), msg);
  EXPECT_EQ(ErrorOf(R"({foo=""})"), msg);
  EXPECT_EQ(ErrorOf(R"({app=~".*", b!~"x"})"), msg);
  EXPECT_EQ(Roundtrip(R"({app=~".+"})"), R"({app=~".+"})");
  EXPECT_EQ(Roundtrip(R"({app=~".*", b="x"})"), R"({app=~".*", b="x"})");
}

TEST(ParserTest, SyntaxErrorsNamePositions) {
  EXPECT_EQ(ErrorOf("{foo}"),
            "parse error at line 1, col 5: syntax error: unexpected }, "
            "expecting = or != or =~ or !~");
  EXPECT_EQ(ErrorOf("{}"),
            "parse error at line 1, col 2: syntax error: unexpected }, "
            "expecting IDENTIFIER");
  EXPECT_EQ(
      ErrorOf("foo"),
      "parse error at line 1, col 1: syntax error: unexpected IDENTIFIER");
  EXPECT_EQ(ErrorOf(""),
            "parse error at line 1, col 1: syntax error: unexpected $end");
  EXPECT_EQ(ErrorOf("{a=\"b\"} |= 5"),
            "parse error at line 1, col 12: syntax error: unexpected NUMBER, "
            "expecting STRING");
  EXPECT_EQ(ErrorOf("{a=\"b\"}\n  |= x"),
            "parse error at line 2, col 6: syntax error: unexpected "
            "IDENTIFIER, expecting STRING");
  EXPECT_EQ(ErrorOf("{a=\"b}"),
            "parse error at line 1, col 4: syntax error: literal not "
            "terminated");
  EXPECT_EQ(ErrorOf("{a=\"b\"} extra"),
            "parse error at line 1, col 9: syntax error: unexpected "
            "IDENTIFIER");
  EXPECT_NE(ErrorOf(R"({a=~"("})").find("parse error at line 1, col 5:"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({a="b"} |~ "(")").find("parse error at line 1, col 12:"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"q({a="b"} | regexp "(?P<x>.)")q").find("not supported"),
            std::string::npos);
}

TEST(ParserTest, MetricQueries) {
  EXPECT_EQ(Roundtrip("vector(1)+vector(1)"), "(vector(1) + vector(1))");
  EXPECT_EQ(Roundtrip(R"(count_over_time({a="b"} |= "x" [5m]))"),
            R"(count_over_time({a="b"} |= "x" [5m]))");
  EXPECT_EQ(Roundtrip(R"(count_over_time({a="b"}[5m] |= "x"))"),
            R"(count_over_time({a="b"} |= "x" [5m]))");
  EXPECT_EQ(Roundtrip(R"(sum(rate({a="b"}[1m])) by (level))"),
            R"(sum by (level)(rate({a="b"} [1m])))");
  EXPECT_EQ(Roundtrip(R"(topk(3, bytes_rate({a="b"}[1h] offset 5m)))"),
            R"(topk(3, bytes_rate({a="b"} [1h] offset 5m)))");
  EXPECT_EQ(Roundtrip("1 + 2 * 3 ^ 2 ^ 2"), "(1 + (2 * (3 ^ (2 ^ 2))))");
  EXPECT_EQ(Roundtrip("-1 - -2"), "(-1 - -2)");
  EXPECT_EQ(Roundtrip(R"(count_over_time({a="b"}[1m]) > bool 2)"),
            R"((count_over_time({a="b"} [1m]) > bool 2))");
  EXPECT_NE(ErrorOf(R"(count_over_time({a="b"}))").find("expecting RANGE"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"(sum({a="b"}))").find("expects a metric query"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({a="b"} + 1)").find("binary operation"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({a="b"}[5m])").find("unexpected RANGE"),
            std::string::npos);
}

TEST(ParserTest, Drop) {
  EXPECT_EQ(Roundtrip(R"({a="b"} |= "x" | drop __error__, level)"),
            R"({a="b"} |= "x" | drop __error__, level)");
  // Grafana's log volume query.
  EXPECT_EQ(
      Roundtrip(
          R"(sum by (level, detected_level) (count_over_time({a="b"} | drop __error__ [1m])))"),
      R"(sum by (level, detected_level)(count_over_time({a="b"} | drop __error__ [1m])))");
  auto e = ParseExpr(R"({a="b"} | DROP level)");
  ASSERT_TRUE(e.ok());
  Pipeline p(static_cast<const LogExpr&>(**e).pipeline);
  EXPECT_EQ(p.OutputLabels({{"a", "b"}, {"level", "x"}}), (Labels{{"a", "b"}}));
}

TEST(ParserTest, SelectorOnly) {
  EXPECT_TRUE(ParseLogSelector(R"({a="b"})").ok());
  EXPECT_FALSE(ParseLogSelector("vector(1)").ok());
  EXPECT_FALSE(ParseLogSelector(R"({a=""})").ok());
}

LineFilterStage Stage(std::string_view q) {
  auto e = ParseExpr(q);
  EXPECT_TRUE(e.ok()) << e.status();
  return static_cast<const LogExpr&>(**e).pipeline.at(0).line_filter;
}

TEST(FilterTest, LiteralAndRegexSemantics) {
  EXPECT_TRUE(LineFilterKeeps(Stage(R"({a="b"} |= "err")"), "an error"));
  EXPECT_FALSE(LineFilterKeeps(Stage(R"({a="b"} |= "err")"), "an ERROR"));
  EXPECT_TRUE(LineFilterKeeps(Stage(R"({a="b"} != "err")"), "fine"));
  EXPECT_FALSE(LineFilterKeeps(Stage(R"({a="b"} != "err")"), "error"));
  EXPECT_TRUE(LineFilterKeeps(Stage(R"({a="b"} |~ "(?i)err")"), "an ERROR"));
  EXPECT_TRUE(LineFilterKeeps(Stage(R"({a="b"} |~ "e.r")"), "xxearyy"));
  EXPECT_FALSE(LineFilterKeeps(Stage(R"({a="b"} !~ "e.r")"), "ear"));
  EXPECT_TRUE(LineFilterKeeps(Stage(R"({a="b"} |= "")"), ""));
  EXPECT_TRUE(LineFilterKeeps(Stage(R"({a="b"} |~ "")"), "x"));
  // A long needle (longer than most lines) and invalid UTF-8.
  std::string needle(100, 'q');
  auto long_stage = Stage("{a=\"b\"} |= \"" + needle + "\"");
  EXPECT_TRUE(LineFilterKeeps(long_stage, "x" + needle + "y"));
  EXPECT_FALSE(LineFilterKeeps(long_stage, "short"));
  EXPECT_TRUE(
      LineFilterKeeps(Stage(R"({a="b"} |= "\xff")"), std::string("a\xff", 2)));
}

TEST(FilterTest, PipelineAppliesAll) {
  auto e = ParseExpr(R"({a="b"} |= "x" != "y" |~ "[0-9]")");
  ASSERT_TRUE(e.ok());
  Pipeline p(static_cast<const LogExpr&>(**e).pipeline);
  EXPECT_TRUE(p.Keep("x1"));
  EXPECT_FALSE(p.Keep("x1y"));
  EXPECT_FALSE(p.Keep("x"));
  EXPECT_FALSE(p.Keep("1"));
}

}  // namespace
}  // namespace silt::query
