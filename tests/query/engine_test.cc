// LogQL engine cases on a small hand-built data set, every answer computed
// by hand (in the comments). The data, at B = now - 100s:
//
//   {app="api", env="prod", level="info"}   JSON lines
//     a1 B+10
//     {"method":"GET","status":200,"latency_ms":10,"dur":"10ms","size":"1KB"}
//     a2 B+20
//     {"method":"POST","status":500,"latency_ms":30,"dur":"30ms","size":"3KB"}
//     a3 B+30
//     {"method":"GET","status":404,"latency_ms":20,"dur":"20ms","size":"2KB"}
//     a4 B+40 oops not json
//   {app="web", env="prod", level="warn"}   logfmt lines
//     w1 B+15 level=info method=GET status=200 latency_ms=5 msg="hello world"
//     w2 B+25 level=error method=GET status=503 latency_ms=50 msg="upstream
//     failed" w3 B+35 level=info method=POST status=201 latency_ms=15
//   {app="db", env="dev", level="info"}     plain lines
//     d1 B+12 query took 7           (12 bytes, trace t-1)
//     d2 B+22 deadlock detected      (17 bytes, trace t-2)
//
// Instant queries run at T = B+60 with [1m] windows, i.e. (B, B+60]: every
// entry is in.
#include <simdjson.h>

#include <future>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "query/loki_api.h"
#include "tests/testing/temp_dir.h"

namespace silt::query {
namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kNow = 1714521600LL * kSec;
constexpr int64_t kB = kNow - 100 * kSec;
constexpr int64_t kT = kB + 60 * kSec;

struct Line {
  int64_t offset_s;
  std::string text;
  std::string trace_id;
};

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::StoreOptions opts;
    opts.data_dir = dir_.path();
    opts.fsync = false;
    auto s = store::Store::Open(opts);
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = *std::move(s);
    api_ = std::make_unique<LokiApi>(&index_, store_.get());
    Push(
        {{"app", "api"}, {"env", "prod"}, {"level", "info"}},
        {{10,
          R"({"method":"GET","status":200,"latency_ms":10,"dur":"10ms","size":"1KB"})",
          ""},
         {20,
          R"({"method":"POST","status":500,"latency_ms":30,"dur":"30ms","size":"3KB"})",
          ""},
         {30,
          R"({"method":"GET","status":404,"latency_ms":20,"dur":"20ms","size":"2KB"})",
          ""},
         {40, "oops not json", ""}});
    Push(
        {{"app", "web"}, {"env", "prod"}, {"level", "warn"}},
        {{15,
          R"(level=info method=GET status=200 latency_ms=5 msg="hello world")",
          ""},
         {25,
          R"(level=error method=GET status=503 latency_ms=50 msg="upstream failed")",
          ""},
         {35, "level=info method=POST status=201 latency_ms=15", ""}});
    Push({{"app", "db"}, {"env", "dev"}, {"level", "info"}},
         {{12, "query took 7", "t-1"}, {22, "deadlock detected", "t-2"}});
  }

  void Push(Labels labels, const std::vector<Line>& lines) {
    RecordBatch batch;
    batch.tenant = "default";
    Canonicalize(&labels);
    batch.streams.push_back({labels, LabelsToString(labels), 0});
    for (const Line& l : lines) {
      uint32_t i = batch.Append(l.text, 0, kB + l.offset_s * kSec);
      batch.record(i).stream = 0;
      if (!l.trace_id.empty()) batch.SetTraceId(i, l.trace_id);
    }
    index_.Resolve(&batch);
    std::promise<absl::Status> done;
    store_->Append(batch, [&](absl::Status st) { done.set_value(st); });
    ASSERT_TRUE(done.get_future().get().ok());
  }

  static std::string LabelText(simdjson::dom::object o) {
    std::string out = "{";
    for (auto [k, v] : o) {
      std::string_view s;
      if (v.get(s)) continue;
      if (out.size() > 1) out += ", ";
      out += std::string(k) + "=\"" + std::string(s) + "\"";
    }
    return out + "}";
  }

  simdjson::dom::element Parse(const Answer& a) {
    body_ = a.body;
    simdjson::dom::element doc;
    EXPECT_FALSE(parser_.parse(body_).get(doc)) << a.body;
    return doc;
  }

  // An instant query's vector as "{labels} value; ...", in answer order,
  // or "ERROR <status>: <message>".
  std::string Vector(const std::string& q, int64_t at = kT) {
    Answer a = api_->Query("default",
                           {{"query", q}, {"time", std::to_string(at)}}, kNow);
    if (a.status != 200) {
      return "ERROR " + std::to_string(a.status) + ": " + a.body;
    }
    simdjson::dom::element doc = Parse(a);
    std::string_view type;
    EXPECT_FALSE(doc["data"]["resultType"].get(type));
    std::string out;
    if (type == "scalar") {
      std::string_view v;
      EXPECT_FALSE(doc["data"]["result"].at(1).get(v));
      return "scalar " + std::string(v);
    }
    simdjson::dom::array result;
    EXPECT_FALSE(doc["data"]["result"].get(result));
    for (auto s : result) {
      simdjson::dom::object metric;
      std::string_view v;
      EXPECT_FALSE(s["metric"].get(metric));
      EXPECT_FALSE(s["value"].at(1).get(v));
      if (!out.empty()) out += "; ";
      out += LabelText(metric) + " " + std::string(v);
    }
    return out;
  }

  // A range query's matrix as "{labels} t:v t:v; ...", t in seconds from B.
  std::string Matrix(const std::string& q, int64_t start_s, int64_t end_s,
                     const std::string& step) {
    Answer a = api_->QueryRange("default",
                                {{"query", q},
                                 {"start", std::to_string(kB + start_s * kSec)},
                                 {"end", std::to_string(kB + end_s * kSec)},
                                 {"step", step}},
                                kNow);
    if (a.status != 200) {
      return "ERROR " + std::to_string(a.status) + ": " + a.body;
    }
    simdjson::dom::element doc = Parse(a);
    simdjson::dom::array result;
    EXPECT_FALSE(doc["data"]["result"].get(result));
    std::string out;
    for (auto s : result) {
      simdjson::dom::object metric;
      EXPECT_FALSE(s["metric"].get(metric));
      if (!out.empty()) out += "; ";
      out += LabelText(metric);
      simdjson::dom::array values;
      EXPECT_FALSE(s["values"].get(values));
      for (auto p : values) {
        int64_t t = 0;
        std::string_view v;
        EXPECT_FALSE(p.at(0).get(t));
        EXPECT_FALSE(p.at(1).get(v));
        out += " " + std::to_string(t - kB / kSec) + ":" + std::string(v);
      }
    }
    return out;
  }

  // A log query's streams as "{labels} line | line; ...".
  std::string Logs(const std::string& q,
                   const std::string& direction = "backward") {
    Answer a = api_->QueryRange("default",
                                {{"query", q},
                                 {"start", std::to_string(kB)},
                                 {"end", std::to_string(kT)},
                                 {"direction", direction}},
                                kNow);
    if (a.status != 200) {
      return "ERROR " + std::to_string(a.status) + ": " + a.body;
    }
    simdjson::dom::element doc = Parse(a);
    simdjson::dom::array result;
    EXPECT_FALSE(doc["data"]["result"].get(result));
    std::string out;
    for (auto s : result) {
      simdjson::dom::object stream;
      EXPECT_FALSE(s["stream"].get(stream));
      if (!out.empty()) out += "; ";
      out += LabelText(stream);
      simdjson::dom::array values;
      EXPECT_FALSE(s["values"].get(values));
      bool first = true;
      for (auto p : values) {
        std::string_view line;
        EXPECT_FALSE(p.at(1).get(line));
        out += first ? " " : " | ";
        first = false;
        out += std::string(line);
      }
    }
    return out;
  }

  testing::TempDir dir_;
  index::StreamIndex index_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<LokiApi> api_;
  simdjson::dom::parser parser_;
  std::string body_;
};

const char* kApi = R"({app="api", env="prod", level="info"})";
const char* kWeb = R"({app="web", env="prod", level="warn"})";
const char* kDb = R"({app="db", env="dev", level="info"})";

std::string S(const char* labels, const char* value) {
  return std::string(labels) + " " + value;
}

TEST_F(EngineTest, CountRateBytes) {
  EXPECT_EQ(Vector(R"(count_over_time({env="prod"}[1m]))"),
            S(kApi, "4") + "; " + S(kWeb, "3"));
  // 4/60 and 3/60 per second.
  EXPECT_EQ(Vector(R"(rate({env="prod"}[1m]))"),
            S(kApi, "0.06666666666666667") + "; " + S(kWeb, "0.05"));
  // 12 + 17 bytes; 29/60 per second.
  EXPECT_EQ(Vector(R"(bytes_over_time({app="db"}[1m]))"), S(kDb, "29"));
  EXPECT_EQ(Vector(R"(bytes_rate({app="db"}[1m]))"),
            S(kDb, "0.48333333333333334"));
  // A line filter: d2 only.
  EXPECT_EQ(Vector(R"(count_over_time({app="db"} |= "deadlock" [1m]))"),
            S(kDb, "1"));
  // Windows of a range query: steps B, B+30, B+60 with [30s]:
  // (B-30, B] none; (B, B+30] a1 a2 a3; (B+30, B+60] a4.
  EXPECT_EQ(Matrix(R"(count_over_time({app="api"}[30s]))", 0, 60, "30s"),
            std::string(kApi) + " 30:3 60:1");
  // offset 20s: the window of step B+60 is (B+10, B+40]: a2 a3 a4.
  EXPECT_EQ(Vector(R"(count_over_time({app="api"}[30s] offset 20s))"),
            S(kApi, "3"));
}

TEST_F(EngineTest, UnwrapFunctions) {
  // The JSON lines without the broken a4; values latency_ms: GET 10, 20;
  // POST 30.
  const std::string sel =
      R"({app="api"} | json | __error__="" | unwrap latency_ms [1m])";
  const char* kGet = R"({method="GET"})";
  const char* kPost = R"({method="POST"})";
  auto two = [&](const char* get, const char* post) {
    return S(kGet, get) + "; " + S(kPost, post);
  };
  EXPECT_EQ(Vector("sum_over_time(" + sel + ") by (method)"), two("30", "30"));
  EXPECT_EQ(Vector("avg_over_time(" + sel + ") by (method)"), two("15", "30"));
  EXPECT_EQ(Vector("max_over_time(" + sel + ") by (method)"), two("20", "30"));
  EXPECT_EQ(Vector("min_over_time(" + sel + ") by (method)"), two("10", "30"));
  // Population variance of {10, 20}: 25; stddev 5.
  EXPECT_EQ(Vector("stdvar_over_time(" + sel + ") by (method)"),
            two("25", "0"));
  EXPECT_EQ(Vector("stddev_over_time(" + sel + ") by (method)"), two("5", "0"));
  // Ranks: 0.5 * (2-1) = 0.5 -> 15; 0.9 -> 10 * 0.1 + 20 * 0.9 = 19.
  EXPECT_EQ(Vector("quantile_over_time(0.5, " + sel + ") by (method)"),
            two("15", "30"));
  EXPECT_EQ(Vector("quantile_over_time(0.9, " + sel + ") by (method)"),
            two("19", "30"));
  EXPECT_EQ(Vector("first_over_time(" + sel + ") by (method)"),
            two("10", "30"));
  EXPECT_EQ(Vector("last_over_time(" + sel + ") by (method)"), two("20", "30"));
  // rate with unwrap: (10 + 30 + 20) / 60 s.
  EXPECT_EQ(Vector("rate(" + sel + ") by (app)"), S(R"({app="api"})", "1"));
  // Conversions: duration() in seconds, bytes() in bytes.
  EXPECT_EQ(Vector(R"(sum_over_time({app="api"} | json | __error__="" | )"
                   R"(unwrap duration(dur) [1m]) by (method))"),
            two("0.03", "0.03"));
  EXPECT_EQ(Vector(R"(sum_over_time({app="api"} | json | __error__="" | )"
                   R"(unwrap bytes(size) [1m]) by (app))"),
            S(R"({app="api"})", "6000"));
  // Without grouping the unwrapped label leaves the series labels; the
  // others stay (one series per line here).
  EXPECT_EQ(Vector(R"(max_over_time({app="api"} | json | method="POST" | )"
                   R"(keep app, method, latency_ms | unwrap latency_ms [1m]))"),
            S(R"({app="api", method="POST"})", "30"));
  // without(...) drops the listed labels and the unwrapped one.
  EXPECT_EQ(Vector(R"(sum_over_time({app="web"} | logfmt | keep app, method, )"
                   R"(latency_ms | unwrap latency_ms [1m]) without (app))"),
            two("55", "15"));
}

TEST_F(EngineTest, PipelineErrorsInMetricQueries) {
  // a4 is no JSON: its series carries __error__, which a metric query
  // refuses (as Loki) unless a filter or drop removes it.
  std::string err = Vector(R"(sum(count_over_time({app="api"} | json [1m])))");
  EXPECT_EQ(err.rfind("ERROR 400: pipeline error: 'JSONParserErr'", 0), 0u)
      << err;
  EXPECT_EQ(Vector(R"(sum(count_over_time({app="api"} | json | )"
                   R"(__error__="" [1m])))"),
            "{} 3");
  EXPECT_EQ(Vector(R"(sum(count_over_time({app="api"} | json | )"
                   R"(drop __error__, __error_details__ [1m])))"),
            "{} 4");
  // A missing unwrap label is a SampleExtractionErr; after-unwrap filters
  // may drop it.
  err = Vector(R"(sum_over_time({app="api"} | json | unwrap status [1m]))");
  EXPECT_NE(err.find("SampleExtractionErr"), std::string::npos) << err;
  EXPECT_EQ(Vector(R"(sum(sum_over_time({app="api"} | json | unwrap )"
                   R"(status | __error__="" [1m])))"),
            "{} 1104");  // 200 + 500 + 404
}

TEST_F(EngineTest, LabelFilters) {
  auto count = [&](const std::string& pipeline) {
    return Vector("sum(count_over_time(" + pipeline + " [1m]))");
  };
  // logfmt: w2 has status 503; w1 200 and w3 201 are 2xx.
  EXPECT_EQ(count(R"({app="web"} | logfmt | status >= 500)"), "{} 1");
  EXPECT_EQ(count(R"({app="web"} | logfmt | status >= 200 and status < 300)"),
            "{} 2");
  EXPECT_EQ(count(R"({app="web"} | logfmt | status == 503 or latency_ms < 10)"),
            "{} 2");
  EXPECT_EQ(count(R"({app="web"} | logfmt | (status = 200, method="GET") or )"
                  R"(method =~ "PO.*")"),
            "{} 2");
  // A stream label named like an extracted key: the key becomes
  // level_extracted, the stream's level stays.
  EXPECT_EQ(count(R"({app="web"} | logfmt | level="warn", )"
                  R"(level_extracted="info")"),
            "{} 2");
  // Durations and bytes (a4 has an error and is dropped by __error__="").
  EXPECT_EQ(count(R"({app="api"} | json | __error__="" | dur > 15ms)"), "{} 2");
  EXPECT_EQ(count(R"({app="api"} | json | __error__="" | size >= 2KB)"),
            "{} 2");
  EXPECT_EQ(count(R"({app="api"} | json | __error__="" | size < 1.5KiB)"),
            "{} 1");
  // A value that does not convert: kept with LabelFilterErr, which a
  // metric query refuses even when it would group the label away.
  std::string err = Vector(R"(sum by (__error__) (count_over_time()"
                           R"({app="api"} | json | method > 1 [1m])))");
  EXPECT_EQ(err.rfind("ERROR 400: pipeline error: 'LabelFilterErr'", 0), 0u)
      << err;
  EXPECT_EQ(Logs(R"({app="api"} | json | method > 1 | )"
                 R"(drop __error_details__ | keep app)"),
            R"({__error__="JSONParserErr", app="api"} oops not json; )"
            R"({__error__="LabelFilterErr", app="api"} )" +
                std::string(R"({"method":"GET","status":404,"latency_ms":20,)"
                            R"("dur":"20ms","size":"2KB"} | )"
                            R"({"method":"POST","status":500,"latency_ms":30,)"
                            R"("dur":"30ms","size":"3KB"} | )"
                            R"({"method":"GET","status":200,"latency_ms":10,)"
                            R"("dur":"10ms","size":"1KB"})"));
  // The entry's trace id is a label for filters (not for the answer).
  EXPECT_EQ(count(R"({env=~".+"} | trace_id="t-2")"), "{} 1");
}

TEST_F(EngineTest, VectorAggregations) {
  // count_over_time per stream at T: api 4, web 3, db 2.
  const std::string c = R"(count_over_time({app=~".+"}[1m]))";
  EXPECT_EQ(Vector("sum(" + c + ")"), "{} 9");
  EXPECT_EQ(Vector("sum by (env) (" + c + ")"),
            R"({env="dev"} 2; {env="prod"} 7)");
  EXPECT_EQ(Vector("sum without (app, level) (" + c + ")"),
            R"({env="dev"} 2; {env="prod"} 7)");
  EXPECT_EQ(Vector("avg(" + c + ")"), "{} 3");
  EXPECT_EQ(Vector("min(" + c + ")"), "{} 2");
  EXPECT_EQ(Vector("max(" + c + ")"), "{} 4");
  EXPECT_EQ(Vector("count(" + c + ")"), "{} 3");
  // Mean 3, squared deviations 1 + 0 + 1 over 3.
  EXPECT_EQ(Vector("stdvar(" + c + ")"), "{} 0.6666666666666666");
  EXPECT_EQ(Vector("stddev(" + c + ")"), "{} 0.816496580927726");
  EXPECT_EQ(Vector("topk(2, " + c + ")"), S(kApi, "4") + "; " + S(kWeb, "3"));
  EXPECT_EQ(Vector("bottomk(1, " + c + ")"), S(kDb, "2"));
  EXPECT_EQ(Vector("topk by (env) (1, " + c + ")"),
            S(kApi, "4") + "; " + S(kDb, "2"));
  EXPECT_EQ(Vector("sort_desc(" + c + ")"),
            S(kApi, "4") + "; " + S(kWeb, "3") + "; " + S(kDb, "2"));
  EXPECT_EQ(Vector("sort(" + c + ")"),
            S(kDb, "2") + "; " + S(kWeb, "3") + "; " + S(kApi, "4"));
  // Grafana's log volume query (streams have a level label).
  EXPECT_EQ(Vector(R"(sum by (level, detected_level) (count_over_time()"
                   R"({app=~".+"} | drop __error__ [1m])))"),
            R"({level="info"} 6; {level="warn"} 3)");
}

TEST_F(EngineTest, BinaryOperators) {
  const std::string c = R"(count_over_time({app=~".+"}[1m]))";
  // Scalars.
  EXPECT_EQ(Vector("2 ^ 3 - 10 % 4"), "scalar 6");
  EXPECT_EQ(Vector("vector(1) + vector(1)"), "{} 2");
  EXPECT_EQ(Vector(R"(count_over_time({app="db"}[1m]) * 10 + 1)"),
            S(kDb, "21"));
  // Comparison filters keep the vector's value; bool gives 0/1.
  EXPECT_EQ(Vector(c + " > 2"), S(kApi, "4") + "; " + S(kWeb, "3"));
  EXPECT_EQ(Vector("2 < " + c), S(kApi, "4") + "; " + S(kWeb, "3"));
  EXPECT_EQ(Vector(c + " > bool 2"),
            S(kApi, "1") + "; " + S(kDb, "0") + "; " + S(kWeb, "1"));
  // Vector to vector: identical label sets only by default.
  EXPECT_EQ(Vector(R"(count_over_time({app="api"}[1m]) + )"
                   R"(count_over_time({app="web"}[1m]))"),
            "");
  EXPECT_EQ(
      Vector(R"(sum by (env) (count_over_time({app="api"}[1m])) + )"
             R"(on (env) sum by (env) (count_over_time({app="web"}[1m])))"),
      R"({env="prod"} 7)");
  // Many-to-one: each prod stream over the prod total (4/7, 3/7).
  EXPECT_EQ(
      Vector(R"(count_over_time({env="prod"}[1m]) / ignoring (app, )"
             R"(level) group_left sum by (env) )"
             R"((count_over_time({env="prod"}[1m])))"),
      S(kApi, "0.5714285714285714") + "; " + S(kWeb, "0.42857142857142855"));
  // group_left(level) copies the one side's label.
  EXPECT_EQ(Vector(R"(sum by (env, app) (count_over_time({env="prod"}[1m])) )"
                   R"(* on (env) group_left (level) )"
                   R"(sum by (env, level) (count_over_time({app="api"}[1m])))"),
            R"({app="api", env="prod", level="info"} 16; )"
            R"({app="web", env="prod", level="info"} 12)");
  std::string err =
      Vector(R"(sum by (env, app) (count_over_time({env="prod"}[1m])) )"
             R"(- on (env) sum by (env) (count_over_time({env="prod"}[1m])))");
  EXPECT_NE(err.find("many-to-one matching must be explicit"),
            std::string::npos)
      << err;
  // Set operators.
  const std::string aw = R"(count_over_time({app=~"api|web"}[1m]))";
  EXPECT_EQ(Vector(aw + R"( and count_over_time({env="prod"}[1m]))"),
            S(kApi, "4") + "; " + S(kWeb, "3"));
  EXPECT_EQ(Vector(aw + R"( unless count_over_time({app="web"}[1m]))"),
            S(kApi, "4"));
  EXPECT_EQ(Vector(R"(count_over_time({app="db"}[1m]) or )" + aw),
            S(kApi, "4") + "; " + S(kDb, "2") + "; " + S(kWeb, "3"));
  EXPECT_EQ(Vector(R"(sum(count_over_time({app="none"}[1m])) or vector(0))"),
            "{} 0");
}

TEST_F(EngineTest, LogQueriesThroughPipelines) {
  // a4 is kept by the numeric filter (it has an error, only string
  // matchers drop errored entries), with its error labels.
  EXPECT_EQ(
      Logs(R"({app="api"} | json | status >= 400 | keep method, status)"),
      R"({__error__="JSONParserErr", __error_details__="The JSON element )"
      R"(does not have the requested type."} oops not json; )"
      R"({method="GET", status="404"} {"method":"GET","status":404,)"
      R"("latency_ms":20,"dur":"20ms","size":"2KB"}; )"
      R"({method="POST", status="500"} {"method":"POST","status":500,)"
      R"("latency_ms":30,"dur":"30ms","size":"3KB"})");
  EXPECT_EQ(Logs(R"({app="api"} | json | __error__="" | line_format )"
                 R"("{{.method}} {{.status}}" | keep app)"),
            R"({app="api"} GET 404 | POST 500 | GET 200)");
  EXPECT_EQ(Logs(R"({app="api"} | json m="method" | __error__="" | )"
                 R"(line_format "{{.m | ToLower}}" | drop env, level)",
                 "forward"),
            R"({app="api", m="GET"} get | get; {app="api", m="POST"} post)");
  EXPECT_EQ(
      Logs(R"({app="web"} | logfmt | line_format )"
           R"("{{.level_extracted | ToUpper}}: {{ default \"-\" .msg }}" )"
           R"(| keep app)"),
      R"({app="web"} INFO: - | ERROR: upstream failed | INFO: hello world)");
  // drop with a matcher only drops matching values.
  EXPECT_EQ(Logs(R"({app="web"} | logfmt | drop msg, latency_ms, method, )"
                 R"(status, level_extracted="info")"),
            std::string(kWeb) +
                " level=info method=POST status=201 "
                "latency_ms=15 | level=info method=GET status=200 latency_ms=5 "
                "msg=\"hello world\"; " +
                R"({app="web", env="prod", level="warn", )"
                R"(level_extracted="error"} level=error method=GET status=503 )"
                R"(latency_ms=50 msg="upstream failed")");
  EXPECT_EQ(Logs(R"({app="web"} | logfmt | status="503" | )"
                 R"(label_format code=status, who="{{.app}}/{{.method}}" | )"
                 R"(keep code, who)"),
            R"({code="503", who="web/GET"} level=error method=GET status=503 )"
            R"(latency_ms=50 msg="upstream failed")");
  EXPECT_EQ(Logs(R"({env="dev"} | trace_id="t-1")"),
            std::string(kDb) + " query took 7");
}

}  // namespace
}  // namespace silt::query
