// Loki's API shapes and silt's own endpoints, over real HTTP.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <fstream>

#include "tests/integration/integration_util.h"
#include "tests/integration/silt_process.h"
#include "tests/testing/temp_dir.h"

namespace silt::testing {
namespace {

using Result = simdjson::simdjson_result<simdjson::dom::element>;
std::string S(Result e) {
  std::string_view v;
  return e.get(v) ? std::string("<missing>") : std::string(v);
}
simdjson::dom::array A(Result e) {
  simdjson::dom::array a;
  return e.get(a) ? simdjson::dom::array() : a;
}
int64_t I(Result e) {
  int64_t v;
  return e.get(v) ? -1 : v;
}

class HttpApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    silt_ = std::make_unique<SiltProcess>(dir_.path() + "/data");
    ASSERT_TRUE(silt_->Start()) << silt_->stderr_text();
    base_ = NowNs() - 120'000'000'000LL;
    std::string body =
        "{\"streams\":[{\"stream\":{\"app\":\"api\",\"env\":\"prod\"},"
        "\"values\":["
        "[\"" +
        std::to_string(base_ + 1) +
        "\",\"GET /orders 200\"],"
        "[\"" +
        std::to_string(base_ + 2) +
        "\",\"GET /orders 500 error\",{\"trace_id\":\"t1\"}],"
        "[\"" +
        std::to_string(base_ + 3) +
        "\",\"POST /pay 201\"]]},"
        "{\"stream\":{\"app\":\"web\",\"env\":\"dev\"},\"values\":["
        "[\"" +
        std::to_string(base_ + 4) +
        "\",\"{\\\"level\\\":\\\"warn\\\",\\\"msg\\\":\\\"slow\\\"}\"]]}]}";
    Reply r = Http(port(), "POST", "/loki/api/v1/push", body,
                   {{"Content-Type", "application/json"}});
    ASSERT_EQ(r.status, 204) << r.body;
  }
  uint16_t port() { return silt_->http_port(); }
  std::string Range() {
    return "&start=" + std::to_string(base_) +
           "&end=" + std::to_string(NowNs());
  }

  TempDir dir_;
  std::unique_ptr<SiltProcess> silt_;
  int64_t base_ = 0;
  simdjson::dom::parser parser_;
};

TEST_F(HttpApiTest, QueryRangeStreamsShapeWithFilters) {
  Reply r = Http(port(), "GET",
                 "/loki/api/v1/query_range?query=" +
                     Esc("{app=\"api\"} |= \"GET\" != \"500\"") + Range());
  ASSERT_EQ(r.status, 200) << r.body;
  simdjson::dom::element doc;
  ASSERT_FALSE(parser_.parse(r.body).get(doc));
  EXPECT_EQ(S(doc["status"]), "success");
  EXPECT_EQ(S(doc["data"]["resultType"]), "streams");
  simdjson::dom::array result = A(doc["data"]["result"]);
  ASSERT_EQ(result.size(), 1u);
  EXPECT_EQ(S(result.at(0)["stream"]["app"]), "api");
  EXPECT_EQ(S(result.at(0)["stream"]["env"]), "prod");
  simdjson::dom::array values = A(result.at(0)["values"]);
  ASSERT_EQ(values.size(), 1u);
  EXPECT_EQ(S(values.at(0).at(0)), std::to_string(base_ + 1));
  EXPECT_EQ(S(values.at(0).at(1)), "GET /orders 200");
}

TEST_F(HttpApiTest, RegexFiltersDirectionAndLimit) {
  Reply r = Http(port(), "GET",
                 "/loki/api/v1/query_range?query=" +
                     Esc("{env=~\"prod|dev\"} |~ \"(GET|POST) /\"") + Range() +
                     "&limit=2&direction=forward");
  ASSERT_EQ(r.status, 200) << r.body;
  simdjson::dom::element doc;
  ASSERT_FALSE(parser_.parse(r.body).get(doc));
  simdjson::dom::array result = A(doc["data"]["result"]);
  size_t n = 0;
  for (auto s : result) n += A(s["values"]).size();
  EXPECT_EQ(n, 2u);
  EXPECT_NE(r.body.find(std::to_string(base_ + 1)), std::string::npos);
  EXPECT_NE(r.body.find(std::to_string(base_ + 2)), std::string::npos);
  // The structured metadata of the second entry comes back.
  EXPECT_NE(r.body.find("\"trace_id\":\"t1\""), std::string::npos) << r.body;
}

TEST_F(HttpApiTest, LabelsValuesSeriesAndStats) {
  Reply labels =
      Http(port(), "GET", "/loki/api/v1/labels?" + Range().substr(1));
  ASSERT_EQ(labels.status, 200) << labels.body;
  EXPECT_NE(labels.body.find("\"app\""), std::string::npos);
  EXPECT_NE(labels.body.find("\"env\""), std::string::npos);
  EXPECT_NE(labels.body.find("\"level\""),
            std::string::npos);  // from the JSON line

  Reply values =
      Http(port(), "GET", "/loki/api/v1/label/app/values?" + Range().substr(1));
  ASSERT_EQ(values.status, 200);
  simdjson::dom::element doc;
  ASSERT_FALSE(parser_.parse(values.body).get(doc));
  simdjson::dom::array data = A(doc["data"]);
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(S(data.at(0)), "api");
  EXPECT_EQ(S(data.at(1)), "web");

  Reply series =
      Http(port(), "GET",
           "/loki/api/v1/series?match[]=" + Esc("{app=\"web\"}") + Range());
  ASSERT_EQ(series.status, 200) << series.body;
  ASSERT_FALSE(parser_.parse(series.body).get(doc));
  simdjson::dom::array s = A(doc["data"]);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(S(s.at(0)["level"]), "warn");

  Reply stats =
      Http(port(), "GET",
           "/loki/api/v1/index/stats?query=" + Esc("{app=\"api\"}") + Range());
  ASSERT_EQ(stats.status, 200) << stats.body;
  ASSERT_FALSE(parser_.parse(stats.body).get(doc));
  EXPECT_EQ(I(doc["streams"]), 1);
  EXPECT_EQ(I(doc["entries"]), 3);
}

TEST_F(HttpApiTest, ReadyMetricsBuildinfo) {
  EXPECT_EQ(Http(port(), "GET", "/ready").status, 200);
  ASSERT_EQ(
      Http(port(), "GET",
           "/loki/api/v1/query_range?query=" + Esc("{app=\"api\"}") + Range())
          .status,
      200);
  Reply m = Http(port(), "GET", "/metrics");
  ASSERT_EQ(m.status, 200);
  for (const char* family :
       {"silt_lines_received_total", "silt_bytes_received_total",
        "silt_lines_rejected_total", "silt_entries_stored_total",
        "silt_bytes_stored_total", "silt_ack_latency_seconds_bucket",
        "silt_query_latency_seconds_bucket"}) {
    EXPECT_NE(m.body.find(family), std::string::npos) << family;
  }
  EXPECT_EQ(MetricValue(m.body, "silt_lines_received_total{input=\"push\"}"),
            4);
  Reply b = Http(port(), "GET", "/loki/api/v1/status/buildinfo");
  EXPECT_EQ(b.status, 200);
  EXPECT_NE(b.body.find("\"version\""), std::string::npos);
  // Grafana's label browser falls back on a 404 here.
  EXPECT_EQ(Http(port(), "GET", "/loki/api/v1/detected_labels").status, 404);
}

TEST_F(HttpApiTest, CliQueryLabelsIngestVersion) {
  std::string addr = "http://127.0.0.1:" + std::to_string(port());
  std::string out;
  ASSERT_EQ(RunSiltCli({"version"}, &out), 0);
  EXPECT_EQ(out.rfind("silt ", 0), 0u) << out;

  std::string file = dir_.File("in.ndjson");
  {
    std::ofstream f(file);
    for (int i = 0; i < 2500; ++i) {
      f << "{\"service\":\"cli\",\"level\":\"info\",\"msg\":\"from file " << i
        << "\"}\n";
    }
  }
  std::string err;
  ASSERT_EQ(RunSiltCli({"ingest", "--addr", addr, file}, &out, &err), 0) << err;
  EXPECT_NE(err.find("2500 lines"), std::string::npos) << err;

  ASSERT_EQ(RunSiltCli({"query", "--addr", addr, "--since", "1h", "--limit",
                        "10", "--output", "raw", "{service=\"cli\"}"},
                       &out, &err),
            0)
      << err;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 10) << out;
  EXPECT_NE(out.find("from file"), std::string::npos);

  ASSERT_EQ(RunSiltCli({"query", "--addr", addr, "--output", "jsonl", "--limit",
                        "1", "{service=\"cli\"}"},
                       &out, &err),
            0);
  EXPECT_NE(out.find("\"labels\":{"), std::string::npos) << out;

  ASSERT_EQ(RunSiltCli({"labels", "--addr", addr}, &out, &err), 0) << err;
  EXPECT_NE(out.find("service\n"), std::string::npos) << out;
  ASSERT_EQ(RunSiltCli({"labels", "--addr", addr, "service"}, &out, &err), 0);
  EXPECT_NE(out.find("cli\n"), std::string::npos) << out;

  EXPECT_EQ(RunSiltCli({"query", "--addr", addr, "{service="}, &out, &err), 1);
  EXPECT_NE(err.find("400"), std::string::npos) << err;
}

}  // namespace
}  // namespace silt::testing
