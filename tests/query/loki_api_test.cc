#include "query/loki_api.h"

#include <simdjson.h>

#include <future>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace silt::query {
namespace {

constexpr int64_t kSec = 1'000'000'000;
// A fixed "now": 2024-05-01T00:00:00Z.
constexpr int64_t kNow = 1714521600LL * kSec;

using JsonResult = simdjson::simdjson_result<simdjson::dom::element>;

// Accessors that fail the test instead of throwing (exceptions are off).
std::string S(JsonResult r) {
  std::string_view v;
  auto err = r.get_string().get(v);
  EXPECT_FALSE(err) << simdjson::error_message(err);
  return std::string(v);
}
simdjson::dom::array A(JsonResult r) {
  simdjson::dom::array v;
  auto err = r.get_array().get(v);
  EXPECT_FALSE(err) << simdjson::error_message(err);
  return v;
}
int64_t I(JsonResult r) {
  int64_t v = 0;
  auto err = r.get_int64().get(v);
  EXPECT_FALSE(err) << simdjson::error_message(err);
  return v;
}

struct Line {
  int64_t ts_ns;
  std::string text;
  std::string metadata;  // compact JSON or empty
};

class LokiApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::StoreOptions opts;
    opts.data_dir = dir_.path();
    opts.fsync = false;
    auto s = store::Store::Open(opts);
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = *std::move(s);
    api_ = std::make_unique<LokiApi>(&index_, store_.get());
  }

  void Push(const std::string& tenant, Labels labels,
            const std::vector<Line>& lines) {
    RecordBatch batch;
    batch.tenant = tenant;
    Canonicalize(&labels);
    batch.streams.push_back({labels, LabelsToString(labels), 0});
    for (const Line& l : lines) {
      uint32_t i = batch.Append(l.text, 0, l.ts_ns);
      batch.record(i).stream = 0;
      if (!l.metadata.empty()) batch.SetMetadata(i, l.metadata);
    }
    index_.Resolve(&batch);
    std::promise<absl::Status> done;
    store_->Append(batch, [&](absl::Status st) { done.set_value(st); });
    ASSERT_TRUE(done.get_future().get().ok());
  }

  // Standard data: two streams of tenant "default", one of tenant "other".
  void PushStandard() {
    Push("default", {{"app", "api"}, {"level", "info"}},
         {{kNow - 50 * kSec, "GET /a 200", ""},
          {kNow - 40 * kSec, "GET /b 500 error", R"({"trace_id":"t1"})"},
          {kNow - 30 * kSec, "POST /c 201", ""}});
    Push("default", {{"app", "web"}, {"level", "warn"}},
         {{kNow - 45 * kSec, "slow GET /x", ""},
          {kNow - 35 * kSec, "slow POST /y", ""}});
    Push("other", {{"app", "api"}}, {{kNow - 20 * kSec, "secret", ""}});
  }

  simdjson::dom::element Parse(const Answer& a) {
    EXPECT_EQ(a.status, 200) << a.body;
    EXPECT_EQ(a.content_type, "application/json");
    body_ = a.body;
    simdjson::dom::element doc;
    auto err = parser_.parse(body_).get(doc);
    EXPECT_FALSE(err) << simdjson::error_message(err) << ": " << a.body;
    return doc;
  }

  // All (ts, line) of a streams answer, in answer order.
  std::vector<std::pair<std::string, std::string>> Entries(const Answer& a) {
    std::vector<std::pair<std::string, std::string>> out;
    simdjson::dom::element doc = Parse(a);
    EXPECT_EQ(S(doc["status"]), "success");
    EXPECT_EQ(S(doc["data"]["resultType"]), "streams");
    for (auto s : A(doc["data"]["result"])) {
      for (auto v : A(s["values"])) {
        out.emplace_back(std::string(S(v.at(0))), std::string(S(v.at(1))));
      }
    }
    return out;
  }

  Params Q(std::string query,
           std::vector<std::pair<std::string, std::string>> extra = {}) {
    Params p;
    p.emplace("query", std::move(query));
    for (auto& [k, v] : extra) p.emplace(k, v);
    return p;
  }

  testing::TempDir dir_;
  index::StreamIndex index_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<LokiApi> api_;
  simdjson::dom::parser parser_;
  std::string body_;
};

std::string Ts(int64_t ns) { return std::to_string(ns); }

TEST_F(LokiApiTest, QueryRangeStreamsShape) {
  PushStandard();
  Answer a = api_->QueryRange("default", Q(R"({app="api"})"), kNow);
  simdjson::dom::element doc = Parse(a);
  EXPECT_EQ(S(doc["status"]), "success");
  simdjson::dom::array result = A(doc["data"]["result"]);
  ASSERT_EQ(result.size(), 1u);
  EXPECT_EQ(S(result.at(0)["stream"]["app"]), "api");
  EXPECT_EQ(S(result.at(0)["stream"]["level"]), "info");
  simdjson::dom::array values = A(result.at(0)["values"]);
  ASSERT_EQ(values.size(), 3u);
  // Backward by default: newest first.
  EXPECT_EQ(S(values.at(0).at(0)), Ts(kNow - 30 * kSec));
  EXPECT_EQ(S(values.at(2).at(1)), "GET /a 200");
  // Metadata comes back as the third element.
  EXPECT_EQ(S(values.at(1).at(2)["trace_id"]), "t1");
  EXPECT_EQ(A(values.at(0)).size(), 2u);
  EXPECT_TRUE(doc["data"]["stats"].is_object());
}

TEST_F(LokiApiTest, LineFilters) {
  PushStandard();
  auto e = Entries(api_->QueryRange(
      "default", Q(R"({level=~"info|warn"} |= "GET" != "500")"), kNow));
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].second, "GET /a 200");
  EXPECT_EQ(e[1].second, "slow GET /x");
  e = Entries(
      api_->QueryRange("default", Q(R"({app=~".+"} |~ "(?i)post")"), kNow));
  ASSERT_EQ(e.size(), 2u);
  e = Entries(
      api_->QueryRange("default", Q(R"({app=~".+"} !~ "^slow")"), kNow));
  EXPECT_EQ(e.size(), 3u);
}

TEST_F(LokiApiTest, LimitAndDirectionAcrossStreams) {
  PushStandard();
  auto e = Entries(api_->QueryRange(
      "default", Q(R"({app=~"api|web"})", {{"limit", "3"}}), kNow));
  ASSERT_EQ(e.size(), 3u);
  std::vector<std::string> ts;
  for (auto& [t, l] : e) ts.push_back(t);
  std::sort(ts.begin(), ts.end());
  EXPECT_EQ(
      ts, (std::vector<std::string>{Ts(kNow - 40 * kSec), Ts(kNow - 35 * kSec),
                                    Ts(kNow - 30 * kSec)}));
  e = Entries(api_->QueryRange(
      "default",
      Q(R"({app=~"api|web"})", {{"limit", "2"}, {"direction", "FORWARD"}}),
      kNow));
  ASSERT_EQ(e.size(), 2u);
  ts.clear();
  for (auto& [t, l] : e) ts.push_back(t);
  std::sort(ts.begin(), ts.end());
  EXPECT_EQ(ts, (std::vector<std::string>{Ts(kNow - 50 * kSec),
                                          Ts(kNow - 45 * kSec)}));
}

TEST_F(LokiApiTest, ForwardOrderWithinStream) {
  PushStandard();
  auto e = Entries(api_->QueryRange(
      "default", Q(R"({app="api"})", {{"direction", "forward"}}), kNow));
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].first, Ts(kNow - 50 * kSec));
  EXPECT_EQ(e[2].first, Ts(kNow - 30 * kSec));
}

TEST_F(LokiApiTest, TimeRangeFormatsAndSince) {
  PushStandard();
  // start inclusive, end exclusive, ns integers.
  auto e = Entries(api_->QueryRange(
      "default",
      Q(R"({app="api"})",
        {{"start", Ts(kNow - 40 * kSec)}, {"end", Ts(kNow - 30 * kSec)}}),
      kNow));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].first, Ts(kNow - 40 * kSec));
  // Float seconds and RFC3339.
  e = Entries(api_->QueryRange(
      "default",
      Q(R"({app="api"})",
        {{"start", "1714521555.5"}, {"end", "2024-05-01T00:00:00Z"}}),
      kNow));
  EXPECT_EQ(e.size(), 2u);
  // since=35s from now.
  e = Entries(api_->QueryRange("default",
                               Q(R"({app=~".+"})", {{"since", "35s"}}), kNow));
  EXPECT_EQ(e.size(), 2u);
  // Default range is the last hour.
  e = Entries(
      api_->QueryRange("default", Q(R"({app=~".+"})"), kNow + 2 * 3600 * kSec));
  EXPECT_TRUE(e.empty());
}

TEST_F(LokiApiTest, DuplicatesShownOnce) {
  PushStandard();
  Push("default", {{"app", "api"}, {"level", "info"}},
       {{kNow - 50 * kSec, "GET /a 200", ""}});
  auto e = Entries(api_->QueryRange("default", Q(R"({app="api"})"), kNow));
  EXPECT_EQ(e.size(), 3u);
}

TEST_F(LokiApiTest, TenantsAreIsolated) {
  PushStandard();
  auto e = Entries(api_->QueryRange("other", Q(R"({app="api"})"), kNow));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].second, "secret");
  e = Entries(
      api_->QueryRange("default", Q(R"({app="api"} |= "secret")"), kNow));
  EXPECT_TRUE(e.empty());
  e = Entries(api_->QueryRange("nobody", Q(R"({app="api"})"), kNow));
  EXPECT_TRUE(e.empty());
  Answer labels = api_->LabelValues("other", "app", {}, kNow);
  EXPECT_EQ(labels.body, R"({"status":"success","data":["api"]})");
}

TEST_F(LokiApiTest, InvalidUtf8AndControlCharactersAreValidJson) {
  Push("default", {{"app", "bin"}},
       {{kNow - kSec, std::string("bad \xff\xfe bytes \"q\" \x01\n", 18), ""}});
  auto e = Entries(api_->QueryRange("default", Q(R"({app="bin"})"), kNow));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].second.find("\"q\""), std::string::npos);
  EXPECT_NE(e[0].second.find("\xef\xbf\xbd"), std::string::npos);  // U+FFFD
}

TEST_F(LokiApiTest, BadRequestsAre400WithMessage) {
  PushStandard();
  Answer a = api_->QueryRange("default", Q("{app="), kNow);
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(a.body.rfind("parse error at line 1, col 6:", 0), 0u) << a.body;
  a = api_->QueryRange("default", Q(R"({app=~".*"})"), kNow);
  EXPECT_EQ(a.status, 400);
  EXPECT_NE(a.body.find("empty-compatible"), std::string::npos);
  a = api_->QueryRange("default", {}, kNow);
  EXPECT_EQ(a.status, 400);
  a = api_->QueryRange("default", Q(R"({app="api"})", {{"limit", "5001"}}),
                       kNow);
  EXPECT_EQ(a.status, 400);
  EXPECT_NE(a.body.find("max entries limit"), std::string::npos);
  a = api_->QueryRange("default", Q(R"({app="api"})", {{"direction", "up"}}),
                       kNow);
  EXPECT_EQ(a.status, 400);
  a = api_->QueryRange("default", Q(R"({app="api"})", {{"start", "yesterday"}}),
                       kNow);
  EXPECT_EQ(a.status, 400);
  EXPECT_NE(a.body.find("start"), std::string::npos);
  a = api_->QueryRange(
      "default",
      Q(R"({app="api"})", {{"start", Ts(kNow)}, {"end", Ts(kNow - kSec)}}),
      kNow);
  EXPECT_EQ(a.status, 400);
}

TEST_F(LokiApiTest, ScanLimitIs400) {
  PushStandard();
  QueryLimits limits;
  limits.max_entries_scanned = 2;
  LokiApi small(&index_, store_.get(), limits);
  Answer a =
      small.QueryRange("default", Q(R"({app=~".+"} |= "nothing")"), kNow);
  EXPECT_EQ(a.status, 400);
  EXPECT_NE(a.body.find("max_query_entries_scanned"), std::string::npos)
      << a.body;
}

TEST_F(LokiApiTest, TimeoutIs400AndCancelStops) {
  PushStandard();
  QueryLimits limits;
  limits.timeout_ms = -1;  // the deadline has passed when the scan starts
  LokiApi late(&index_, store_.get(), limits);
  Answer a = late.QueryRange("default", Q(R"({app=~".+"})"), kNow);
  EXPECT_EQ(a.status, 400);
  EXPECT_NE(a.body.find("query_timeout"), std::string::npos) << a.body;
  std::atomic<bool> gone{true};
  a = api_->QueryRange("default",
                       Q(R"(sum(count_over_time({app=~".+"} |= "GET" [1m])))"),
                       kNow, &gone);
  EXPECT_EQ(a.status, 499) << a.body;
  a = api_->Trace("default", "t1", {}, &gone);
  EXPECT_EQ(a.status, 499) << a.body;
  gone = false;
  a = api_->QueryRange("default", Q(R"({app=~".+"})"), kNow, &gone);
  EXPECT_EQ(a.status, 200) << a.body;
}

TEST_F(LokiApiTest, LabelsValuesSeries) {
  PushStandard();
  Push("default", {{"app", "old"}, {"zone", "z1"}},
       {{kNow - 10 * 3600 * kSec, "ancient", ""}});
  EXPECT_EQ(api_->Labels("default", {}, kNow).body,
            R"({"status":"success","data":["app","level"]})");
  Params wide = {{"start", Ts(kNow - 11 * 3600 * kSec)}, {"end", Ts(kNow)}};
  EXPECT_EQ(api_->Labels("default", wide, kNow).body,
            R"({"status":"success","data":["app","level","zone"]})");
  EXPECT_EQ(api_->LabelValues("default", "app", {}, kNow).body,
            R"({"status":"success","data":["api","web"]})");
  EXPECT_EQ(
      api_->LabelValues("default", "level", Q(R"({app="web"})"), kNow).body,
      R"({"status":"success","data":["warn"]})");
  EXPECT_EQ(api_->LabelValues("default", "nope", {}, kNow).body,
            R"({"status":"success","data":[]})");

  Params series = {{"match[]", R"({app="web"})"},
                   {"match[]", R"({level="info"})"}};
  EXPECT_EQ(api_->Series("default", series, kNow).body,
            R"({"status":"success","data":[{"app":"api","level":"info"},)"
            R"({"app":"web","level":"warn"}]})");
  Params bad = {{"match[]", "{app="}};
  EXPECT_EQ(api_->Series("default", bad, kNow).status, 400);
}

TEST_F(LokiApiTest, IndexStats) {
  PushStandard();
  Answer a = api_->IndexStats("default", Q(R"({app=~".+"})"), kNow);
  simdjson::dom::element doc = Parse(a);
  EXPECT_EQ(I(doc["streams"]), 2);
  EXPECT_EQ(I(doc["entries"]), 5);
  EXPECT_GE(I(doc["chunks"]), 2);
  EXPECT_EQ(
      I(doc["bytes"]),
      static_cast<int64_t>(std::string("GET /a 200GET /b 500 errorPOST /c 201"
                                       "slow GET /xslow POST /y")
                               .size()));
}

TEST_F(LokiApiTest, DropMergesStreams) {
  PushStandard();
  auto doc = Parse(api_->QueryRange(
      "default", Q(R"({app=~"api|web"} | drop level)", {{"limit", "4"}}),
      kNow));
  simdjson::dom::array result = A(doc["data"]["result"]);
  ASSERT_EQ(result.size(), 2u);
  EXPECT_TRUE(result.at(0)["stream"]["level"].error());
  Params p =
      Q(R"(sum by (app) (count_over_time({app=~".+"} | drop level [1m])))",
        {{"start", Ts(kNow)}, {"end", Ts(kNow)}, {"step", "1m"}});
  doc = Parse(api_->QueryRange("default", p, kNow));
  result = A(doc["data"]["result"]);
  ASSERT_EQ(result.size(), 2u);
  EXPECT_EQ(S(A(result.at(0)["values"]).at(0).at(1)), "3");
  // Dropping the distinguishing label adds the streams' counts.
  p = Q(R"(count_over_time({app=~".+"} | drop level, app [1m]))",
        {{"start", Ts(kNow)}, {"end", Ts(kNow)}, {"step", "1m"}});
  doc = Parse(api_->QueryRange("default", p, kNow));
  result = A(doc["data"]["result"]);
  ASSERT_EQ(result.size(), 1u);
  EXPECT_EQ(S(A(result.at(0)["values"]).at(0).at(1)), "5");
}

TEST_F(LokiApiTest, InstantVectorPlusVector) {
  // Grafana's "Save & test".
  Answer a = api_->Query(
      "default", {{"query", "vector(1)+vector(1)"}, {"time", "4000000000"}},
      kNow);
  EXPECT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.body.substr(0, a.body.find(",\"stats\"")),
            R"({"status":"success","data":{"resultType":"vector","result":)"
            R"([{"metric":{},"value":[4000000000,"2"]}])");
  a = api_->Query("default", {{"query", "1 + 2 * 3"}, {"time", "10"}}, kNow);
  EXPECT_EQ(
      a.body.substr(0, a.body.find(",\"stats\"")),
      R"({"status":"success","data":{"resultType":"scalar","result":[10,"7"])");
}

TEST_F(LokiApiTest, MetricRangeQueries) {
  PushStandard();
  Params p =
      Q(R"(sum by (level) (count_over_time({app=~".+"}[1m])))",
        {{"start", Ts(kNow - 60 * kSec)}, {"end", Ts(kNow)}, {"step", "30s"}});
  simdjson::dom::element doc = Parse(api_->QueryRange("default", p, kNow));
  EXPECT_EQ(S(doc["data"]["resultType"]), "matrix");
  simdjson::dom::array result = A(doc["data"]["result"]);
  ASSERT_EQ(result.size(), 2u);
  EXPECT_EQ(S(result.at(0)["metric"]["level"]), "info");
  simdjson::dom::array values = A(result.at(0)["values"]);
  // Steps at now-60s (nothing in (now-120s, now-60s]), now-30s (2: -50,-40;
  // -30 is at the boundary and counts), now (3).
  ASSERT_EQ(values.size(), 2u);
  EXPECT_EQ(I(values.at(0).at(0)), (kNow - 30 * kSec) / kSec);
  EXPECT_EQ(S(values.at(0).at(1)), "3");
  EXPECT_EQ(S(values.at(1).at(1)), "3");

  Answer inst =
      api_->Query("default",
                  {{"query", R"(sum(rate({app="api"} |= "GET" [1m])) * 60)"},
                   {"time", Ts(kNow)}},
                  kNow);
  simdjson::dom::element idoc = Parse(inst);
  simdjson::dom::array r = A(idoc["data"]["result"]);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(S(r.at(0)["value"].at(1)), "2");

  Answer bytes =
      api_->Query("default",
                  {{"query", R"(bytes_over_time({app="web"}[1m]) > 5)"},
                   {"time", Ts(kNow)}},
                  kNow);
  simdjson::dom::element bdoc = Parse(bytes);
  simdjson::dom::array br = A(bdoc["data"]["result"]);
  ASSERT_EQ(br.size(), 1u);
  EXPECT_EQ(S(br.at(0)["value"].at(1)), "23");
}

}  // namespace
}  // namespace silt::query
