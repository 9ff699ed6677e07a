// Parser cases taken from Loki's LogQL documentation (log queries, parsers,
// label filters, formats, metric queries), valid and invalid. Each valid
// query must parse to the expected tree (printed in a canonical form);
// each invalid one must fail with Loki's 400 message naming the position.
#include "gtest/gtest.h"
#include "query/internal/parser.h"

namespace silt::query {
namespace {

std::string Canon(std::string_view q) {
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

bool Contains(const std::string& s, std::string_view part) {
  return s.find(part) != std::string::npos;
}

TEST(LogqlDocsTest, LineFilterExpressions) {
  EXPECT_EQ(Canon(R"({job="mysql"} |= "error" != "timeout")"),
            R"({job="mysql"} |= "error" != "timeout")");
  EXPECT_EQ(Canon(R"({name=~"mysql.+"} |~ "err(or)?")"),
            R"({name=~"mysql.+"} |~ "err(or)?")");
  EXPECT_EQ(Canon("{name!~`mysql-\\d+`, env=\"prod\"}"),
            R"({name!~"mysql-\\d+", env="prod"})");
  EXPECT_EQ(Canon(R"({job="varlogs"} |= "error" or "warn" != "debug")"),
            R"({job="varlogs"} |= "error" or "warn" != "debug")");
}

TEST(LogqlDocsTest, ParserExpressions) {
  EXPECT_EQ(Canon(R"({app="foo"} | json)"), R"({app="foo"} | json)");
  EXPECT_EQ(Canon(R"({app="foo"} | json first_server="servers[0]", )"
                  R"(ua="request.headers[\"User-Agent\"]")"),
            R"({app="foo"} | json first_server="servers[0]", )"
            R"(ua="request.headers[\"User-Agent\"]")");
  EXPECT_EQ(Canon(R"({app="foo"} | json server_list="servers", headers)"),
            R"({app="foo"} | json server_list="servers", headers="headers")");
  EXPECT_EQ(Canon(R"({app="foo"} | logfmt)"), R"({app="foo"} | logfmt)");
  EXPECT_EQ(Canon(R"({app="foo"} | logfmt --strict --keep-empty)"),
            R"({app="foo"} | logfmt --strict --keep-empty)");
  EXPECT_EQ(Canon(R"({app="foo"} | logfmt --strict host, fwd_ip="fwd")"),
            R"({app="foo"} | logfmt --strict host="host", fwd_ip="fwd")");
}

TEST(LogqlDocsTest, LabelFilterExpressions) {
  EXPECT_EQ(
      Canon(R"({container="query-frontend",namespace="loki-dev"} )"
            R"(|= "metrics.go" | logfmt | duration > 10s and )"
            R"(throughput_mb < 500)"),
      R"({container="query-frontend", namespace="loki-dev"} |= "metrics.go")"
      R"( | logfmt | (duration > 10s and throughput_mb < 500))");
  // `and` binds tighter than `or`; `,` and juxtaposition are `and`.
  EXPECT_EQ(Canon(R"({a="b"} | duration >= 20ms or size == 20KB and )"
                  R"(method!~"2..")"),
            R"({a="b"} | (duration >= 20ms or (size == 20KB and )"
            R"(method!~"2..")))");
  EXPECT_EQ(Canon(R"({a="b"} | (duration >= 20ms or size == 20KB) and )"
                  R"(method!~"2..")"),
            R"({a="b"} | ((duration >= 20ms or size == 20KB) and )"
            R"(method!~"2.."))");
  EXPECT_EQ(Canon(R"({a="b"} | logfmt | level="error", status >= 500)"),
            R"({a="b"} | logfmt | (level="error" and status >= 500))");
  EXPECT_EQ(Canon(R"({a="b"} | logfmt | level="error" status=500)"),
            R"({a="b"} | logfmt | (level="error" and status == 500))");
  EXPECT_EQ(Canon(R"({a="b"} | json | __error__ = "")"),
            R"({a="b"} | json | __error__="")");
  EXPECT_EQ(Canon(R"({a="b"} | size > 1KiB | size <= 2.5MB | x != -1)"),
            R"({a="b"} | size > 1KiB | size <= 2.5MB | x != -1)");
}

TEST(LogqlDocsTest, FormatAndLabelStages) {
  EXPECT_EQ(Canon(R"({job="loki-ops/query-frontend"} | logfmt | )"
                  R"(line_format "{{.query}} {{.duration}}")"),
            R"({job="loki-ops/query-frontend"} | logfmt | )"
            R"(line_format "{{.query}} {{.duration}}")");
  EXPECT_EQ(Canon("{a=\"b\"} | line_format `{{ .level | ToUpper }}: "
                  "{{ default \"-\" .msg }}`"),
            R"({a="b"} | line_format "{{ .level | ToUpper }}: )"
            R"({{ default \"-\" .msg }}")");
  EXPECT_EQ(Canon(R"({a="b"} | label_format dst=src, x="{{.y}}-z")"),
            R"({a="b"} | label_format dst=src, x="{{.y}}-z")");
  EXPECT_EQ(Canon(R"({a="b"} | drop level, method="GET", app=~"api.*")"),
            R"({a="b"} | drop level, method="GET", app=~"api.*")");
  EXPECT_EQ(Canon(R"({a="b"} | keep level, method="GET")"),
            R"({a="b"} | keep level, method="GET")");
  EXPECT_EQ(Canon(R"({a="b"} | decolorize)"), R"({a="b"} | decolorize)");
}

TEST(LogqlDocsTest, RangeAggregations) {
  EXPECT_EQ(Canon(R"(count_over_time({job="mysql"}[5m]))"),
            R"(count_over_time({job="mysql"} [5m]))");
  EXPECT_EQ(Canon(R"(rate(({job="mysql"} |= "error" != "timeout")[10s]))"),
            R"(rate({job="mysql"} |= "error" != "timeout" [10s]))");
  EXPECT_EQ(Canon(R"(count_over_time({job="mysql"}[5m] offset 1h))"),
            R"(count_over_time({job="mysql"} [5m] offset 1h))");
  EXPECT_EQ(Canon(R"(quantile_over_time(0.99, {cluster="ops-tools1",)"
                  R"(container="ingress-nginx"} | json | __error__ = "" | )"
                  R"(unwrap request_time [1m]) by (path))"),
            R"(quantile_over_time(0.99, {cluster="ops-tools1", )"
            R"(container="ingress-nginx"} | json | __error__="" | unwrap )"
            R"(request_time [1m]) by (path))");
  EXPECT_EQ(Canon(R"(sum by (org_id) (sum_over_time({cluster="ops-tools1"} |= )"
                  R"("metrics.go" | logfmt | unwrap bytes_processed [1m])))"),
            R"(sum by (org_id)(sum_over_time({cluster="ops-tools1"} |= )"
            R"("metrics.go" | logfmt | unwrap bytes_processed [1m])))");
  EXPECT_EQ(Canon(R"(max_over_time({app="foo"} | json | unwrap )"
                  R"(duration(latency) | __error__="" [1m]) by (method))"),
            R"(max_over_time({app="foo"} | json | unwrap )"
            R"(duration(latency) | __error__="" [1m]) by (method))");
  // The range may also stand right after the selector.
  EXPECT_EQ(Canon(R"(sum_over_time({app="x"}[5m] | logfmt | unwrap )"
                  R"(bytes(size)))"),
            R"(sum_over_time({app="x"} | logfmt | unwrap bytes(size) [5m]))");
  for (const char* fn :
       {"avg_over_time", "min_over_time", "stdvar_over_time",
        "stddev_over_time", "first_over_time", "last_over_time"}) {
    std::string q = std::string(fn) + R"(({a="b"} | unwrap x [1m]))";
    EXPECT_EQ(Canon(q), std::string(fn) + R"(({a="b"} | unwrap x [1m]))");
  }
  EXPECT_EQ(Canon(R"(rate({a="b"} | unwrap x [1m]))"),
            R"(rate({a="b"} | unwrap x [1m]))");
  EXPECT_EQ(Canon(R"(absent_over_time({a="b"}[1m]))"),
            R"(absent_over_time({a="b"} [1m]))");
}

TEST(LogqlDocsTest, VectorAggregationsAndBinaryOperators) {
  EXPECT_EQ(Canon(R"(topk(10,sum(rate({region="us-east1"}[5m])) by (name)))"),
            R"(topk(10, sum by (name)(rate({region="us-east1"} [5m]))))");
  EXPECT_EQ(Canon(R"(avg(rate(({job="nginx"} |= "GET")[10s])) by (region))"),
            R"(avg by (region)(rate({job="nginx"} |= "GET" [10s])))");
  EXPECT_EQ(Canon(R"(sum without (pod) (count_over_time({a="b"}[1m])))"),
            R"(sum without (pod)(count_over_time({a="b"} [1m])))");
  EXPECT_EQ(Canon(R"(sum(rate({app="foo", level="warn"}[1m])) / )"
                  R"(sum(rate({app="foo", level="error"}[1m])))"),
            R"((sum(rate({app="foo", level="warn"} [1m])) / )"
            R"(sum(rate({app="foo", level="error"} [1m]))))");
  EXPECT_EQ(Canon(R"(sum(rate({app="foo"}[1m])) > 10)"),
            R"((sum(rate({app="foo"} [1m])) > 10))");
  EXPECT_EQ(Canon(R"(sum by (a) (rate({x="y"}[1m])) / on (a) group_left )"
                  R"((b) sum by (a, b) (rate({x="z"}[1m])))"),
            R"((sum by (a)(rate({x="y"} [1m])) / on (a) group_left (b) )"
            R"(sum by (a, b)(rate({x="z"} [1m]))))");
  EXPECT_EQ(Canon(R"(count_over_time({a="b"}[1m]) == bool ignoring (c) )"
                  R"(count_over_time({a="c"}[1m]))"),
            R"((count_over_time({a="b"} [1m]) == bool ignoring (c) )"
            R"(count_over_time({a="c"} [1m])))");
  EXPECT_EQ(Canon(R"(sum(count_over_time({a="b"}[1m])) or vector(0))"),
            R"((sum(count_over_time({a="b"} [1m])) or vector(0)))");
  EXPECT_EQ(Canon(R"(sort_desc(stddev(count_over_time({a="b"}[1m]))))"),
            R"(sort_desc(stddev(count_over_time({a="b"} [1m]))))");
  EXPECT_EQ(Canon("vector(1)+vector(1)"), "(vector(1) + vector(1))");
}

TEST(LogqlDocsTest, InvalidQueriesNameThePosition) {
  EXPECT_EQ(ErrorOf(R"({a="b"} | unwrap x)"),
            "parse error at line 1, col 11: unwrap is only allowed in a "
            "range aggregation such as sum_over_time");
  EXPECT_EQ(ErrorOf(R"(sum_over_time({a="b"}[5m]))"),
            "parse error at line 1, col 1: invalid aggregation "
            "sum_over_time without unwrap");
  EXPECT_EQ(ErrorOf(R"(count_over_time({a="b"} | unwrap x [5m]))"),
            "parse error at line 1, col 1: invalid aggregation "
            "count_over_time with unwrap");
  EXPECT_EQ(ErrorOf(R"(count_over_time({a="b"}[5m]) by (x))"),
            "parse error at line 1, col 30: grouping not allowed for "
            "count_over_time aggregation");
  EXPECT_EQ(ErrorOf(R"(quantile_over_time({a="b"} | unwrap x [5m]))"),
            "parse error at line 1, col 20: syntax error: unexpected {, "
            "expecting NUMBER");
  EXPECT_EQ(ErrorOf(R"({a="b"} | x > "1")"),
            "parse error at line 1, col 15: syntax error: unexpected STRING, "
            "expecting NUMBER, DURATION or BYTES");
  EXPECT_EQ(ErrorOf(R"({a="b"} | x =~ 5)"),
            "parse error at line 1, col 16: syntax error: unexpected NUMBER, "
            "expecting STRING");
  EXPECT_EQ(ErrorOf(R"({a="b"} | size > 1mb)"),
            "parse error at line 1, col 18: syntax error: invalid duration or "
            "byte size 1mb");
  EXPECT_EQ(ErrorOf(R"({a="b"} | json x="a[")"),
            "parse error at line 1, col 18: cannot parse expression [a[]");
  EXPECT_EQ(ErrorOf(R"({a="b"} | line_format "{{.a")"),
            "parse error at line 1, col 23: template: unclosed action");
  EXPECT_EQ(ErrorOf(R"({a="b"} | line_format "{{ nope .a }}")"),
            "parse error at line 1, col 23: template: function \"nope\" not "
            "defined");
  EXPECT_EQ(ErrorOf(R"({a="b"} | line_format "{{ if .a }}x{{ end }}")"),
            "parse error at line 1, col 23: template: action \"if\" is not "
            "supported");
  EXPECT_EQ(ErrorOf(R"({a="b"} |> "<_> x")"),
            "parse error at line 1, col 9: pattern line filters (|>) are not "
            "supported");
  EXPECT_EQ(ErrorOf(R"(rate({a="b"}[1m]) and on (x) group_left )"
                    R"(rate({a="c"}[1m]))"),
            "parse error at line 1, col 30: no grouping allowed for \"and\" "
            "operation");
  EXPECT_EQ(ErrorOf(R"(rate({a="b"}[1m]) + group_left rate({a="c"}[1m]))"),
            "parse error at line 1, col 21: syntax error: group_left needs "
            "on(...) or ignoring(...) first");
  EXPECT_TRUE(Contains(ErrorOf(R"({a="b"} | logfmt | unwrap)"),
                       "unwrap is only allowed"));
  EXPECT_TRUE(Contains(ErrorOf(R"(sum_over_time({a="b"} | unwrap x(y) [1m]))"),
                       "unsupported unwrap conversion x"));
  EXPECT_EQ(ErrorOf(R"({a="b"} | json 1x)"),
            "parse error at line 1, col 16: syntax error: unexpected "
            "DURATION");
}

}  // namespace
}  // namespace silt::query
