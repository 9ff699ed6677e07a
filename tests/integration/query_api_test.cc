// The query engine over real HTTP and websockets: Grafana's calls, trace
// lookups (exact count and order, head and parts, HTTP, CLI and LogQL),
// the live tail, and the query bounds.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include "tests/integration/integration_util.h"
#include "tests/integration/silt_process.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/ws_client.h"

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

constexpr int64_t kMs = 1'000'000;

// A corpus of traced requests: trace k has 1 + k % 5 lines over services,
// 2 ms apart; lines of different traces interleave.
struct TraceCorpus {
  std::string ndjson;
  std::map<std::string, std::vector<std::string>> lines;  // id -> in order
  int64_t base_ns = 0;
};

TraceCorpus MakeTraces(int traces, int64_t base_ns) {
  static const char* kServices[] = {"gateway", "auth", "cart", "checkout",
                                    "payments"};
  TraceCorpus c;
  c.base_ns = base_ns;
  struct L {
    int64_t ts;
    std::string id, text;
  };
  std::vector<L> all;
  for (int k = 0; k < traces; ++k) {
    char id[33];
    std::snprintf(id, sizeof(id), "%016x%016x", 0x5eed0000u + k,
                  0xabcdef01u * (k + 1));
    for (int i = 0; i <= k % 5; ++i) {
      int64_t ts = base_ns + (k * 3 + i * 2) * kMs;
      std::string svc = kServices[(k + i) % 5];
      std::string line = "{\"time\":" + std::to_string(ts) + ",\"service\":\"" +
                         svc + "\",\"level\":\"" + (i == 2 ? "error" : "info") +
                         "\",\"msg\":\"step " + std::to_string(i) +
                         " of request " + std::to_string(k) +
                         "\",\"trace_id\":\"" + id + "\"}";
      all.push_back({ts, id, line});
    }
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const L& a, const L& b) { return a.ts < b.ts; });
  for (const L& l : all) {
    c.ndjson += l.text + "\n";
    c.lines[l.id].push_back(l.text);
  }
  return c;
}

class QueryApiTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> flags = {}) {
    silt_ = std::make_unique<SiltProcess>(dir_.path() + "/data", flags);
    ASSERT_TRUE(silt_->Start()) << silt_->stderr_text();
  }
  uint16_t port() { return silt_->http_port(); }
  void Ingest(const std::string& ndjson) {
    Reply r = Http(port(), "POST", "/api/v1/ingest", ndjson);
    ASSERT_EQ(r.status, 200) << r.body;
  }
  void Flush() {
    Reply r = Http(port(), "POST", "/api/v1/flush");
    ASSERT_TRUE(r.status == 200 || r.status == 204) << r.body;
  }
  // Waits until every part has its index.
  void WaitIndexed() {
    for (int i = 0; i < 300; ++i) {
      Reply m = Http(port(), "GET", "/metrics");
      if (MetricValue(m.body, "silt_part_index_pending") == 0 &&
          MetricValue(m.body, "silt_part_indexes_built_total") > 0) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL() << "parts were not indexed";
  }
  std::vector<std::string> TraceLines(const std::string& id) {
    Reply r = Http(port(), "GET", "/api/v1/trace/" + id);
    EXPECT_EQ(r.status, 200) << r.body;
    body_ = r.body;
    simdjson::dom::element doc;
    EXPECT_FALSE(parser_.parse(body_).get(doc)) << r.body;
    EXPECT_EQ(S(doc["status"]), "success");
    EXPECT_EQ(S(doc["data"]["trace_id"]), id);
    std::vector<std::string> out;
    int64_t prev = 0;
    for (auto e : A(doc["data"]["entries"])) {
      int64_t ts = std::stoll(S(e["ts"]));
      EXPECT_GE(ts, prev);
      prev = ts;
      EXPECT_NE(S(e["stream"]["service"]), "<missing>");
      out.push_back(S(e["line"]));
    }
    return out;
  }

  TempDir dir_;
  std::unique_ptr<SiltProcess> silt_;
  simdjson::dom::parser parser_;
  std::string body_;
};

TEST_F(QueryApiTest, GrafanaCalls) {
  Start();
  int64_t now = NowNs();
  Ingest("{\"time\":" + std::to_string(now - 5000 * kMs) +
         ",\"service\":\"api\",\"level\":\"info\",\"msg\":\"a\"}\n"
         "{\"time\":" +
         std::to_string(now - 4000 * kMs) +
         ",\"service\":\"api\",\"level\":\"error\",\"msg\":\"b\"}\n");
  // Save & test: vector(1)+vector(1) at time=4000000000, one sample of 2.
  Reply r = Http(port(), "GET",
                 "/loki/api/v1/query?query=" + Esc("vector(1)+vector(1)") +
                     "&time=4000000000");
  ASSERT_EQ(r.status, 200) << r.body;
  body_ = r.body;
  simdjson::dom::element health;
  ASSERT_FALSE(parser_.parse(body_).get(health));
  EXPECT_EQ(S(health["data"]["resultType"]), "vector");
  ASSERT_EQ(A(health["data"]["result"]).size(), 1u) << r.body;
  EXPECT_EQ(S(A(health["data"]["result"]).at(0)["value"].at(1)), "2");
  // The label browser falls back on 404.
  EXPECT_EQ(Http(port(), "GET", "/loki/api/v1/detected_labels").status, 404);
  EXPECT_EQ(Http(port(), "GET", "/loki/api/v1/detected_fields").status, 404);
  EXPECT_EQ(Http(port(), "GET", "/loki/api/v1/labels").status, 200);
  // Log volume, with Grafana's step and range.
  const std::string volume =
      "sum by (level, detected_level) (count_over_time({service=\"api\"} | "
      "drop __error__ [1m]))";
  r = Http(port(), "GET",
           "/loki/api/v1/query_range?query=" + Esc(volume) +
               "&start=" + std::to_string(now - 60'000 * kMs) +
               "&end=" + std::to_string(now) + "&step=60000ms",
           "", {{"X-Query-Tags", "Source=logvolhist"}});
  ASSERT_EQ(r.status, 200) << r.body;
  body_ = r.body;
  simdjson::dom::element doc;
  ASSERT_FALSE(parser_.parse(body_).get(doc));
  EXPECT_EQ(S(doc["data"]["resultType"]), "matrix");
  std::map<std::string, std::string> last;
  for (auto s : A(doc["data"]["result"])) {
    auto values = A(s["values"]);
    ASSERT_GT(values.size(), 0u);
    last[S(s["metric"]["level"])] = S(values.at(values.size() - 1).at(1));
  }
  EXPECT_EQ(last, (std::map<std::string, std::string>{{"error", "1"},
                                                      {"info", "1"}}));
  // A parse error is 400 and names the position.
  r = Http(
      port(), "GET",
      "/loki/api/v1/query_range?query=" + Esc("{service=\"api\"} | json x="));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("parse error at line 1, col 26"), std::string::npos)
      << r.body;
  r = Http(port(), "GET", "/loki/api/v1/status/buildinfo");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"version\""), std::string::npos);
}

TEST_F(QueryApiTest, TraceLookupIsExactInHeadAndParts) {
  Start();
  const int64_t base = NowNs() - 3'600'000 * kMs;
  TraceCorpus c = MakeTraces(300, base);
  Ingest(c.ndjson);
  std::vector<std::string> ids;
  for (const auto& [id, lines] : c.lines) ids.push_back(id);
  // In the head.
  for (size_t i = 0; i < ids.size(); i += 37) {
    EXPECT_EQ(TraceLines(ids[i]), c.lines[ids[i]]) << ids[i];
  }
  Flush();
  WaitIndexed();
  // In an indexed part: every trace, count and order.
  for (const auto& [id, lines] : c.lines) {
    ASSERT_EQ(TraceLines(id), lines) << id;
  }
  EXPECT_TRUE(TraceLines("0123456789abcdef0123456789abcdef").empty());
  // The same through LogQL and the CLI.
  const std::string& id = ids[4];
  Reply r = Http(port(), "GET",
                 "/loki/api/v1/query_range?direction=forward&query=" +
                     Esc("{service=~\".+\"} | trace_id=\"" + id + "\"") +
                     "&start=" + std::to_string(base - kMs) +
                     "&end=" + std::to_string(NowNs()));
  ASSERT_EQ(r.status, 200) << r.body;
  size_t n = 0;
  for (const std::string& line : c.lines[id]) {
    std::string escaped;
    for (char ch : line) {
      if (ch == '"') escaped += '\\';
      escaped += ch;
    }
    EXPECT_NE(r.body.find(escaped), std::string::npos) << line;
    ++n;
  }
  EXPECT_EQ(n, c.lines[id].size());
  std::string out, err;
  ASSERT_EQ(RunSiltCli({"trace", "--addr",
                        "http://127.0.0.1:" + std::to_string(port()), id},
                       &out, &err),
            0)
      << err;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'),
            static_cast<long>(c.lines[id].size()));
  EXPECT_EQ(out.rfind("+0.000s", 0), 0u) << out;
  EXPECT_NE(out.find("step 0 of request"), std::string::npos) << out;
  // After a restart the indexes are read back, not rebuilt.
  ASSERT_EQ(silt_->Terminate(), 0);
  ASSERT_TRUE(silt_->Start()) << silt_->stderr_text();
  EXPECT_EQ(TraceLines(ids[9]), c.lines[ids[9]]);
  Reply m = Http(port(), "GET", "/metrics");
  EXPECT_LE(MetricValue(m.body, "silt_part_indexes_built_total"), 0)
      << "indexes rebuilt at start";
}

TEST_F(QueryApiTest, TailDeliversNewEntriesWithinTwoSeconds) {
  Start();
  const int64_t now = NowNs();
  Ingest("{\"time\":" + std::to_string(now - 1000 * kMs) +
         ",\"service\":\"api\",\"level\":\"info\",\"msg\":\"old one\"}\n");
  auto ws = WsClient::Connect(
      "127.0.0.1", port(),
      "/loki/api/v1/tail?query=" + Esc("{service=\"api\"} |= \"one\"") +
          "&start=" + std::to_string(now - 60'000 * kMs));
  ASSERT_TRUE(ws.ok()) << ws.status();
  auto first = (*ws)->Read(5000);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_NE(first->find("old one"), std::string::npos) << *first;
  EXPECT_NE(first->find("\"dropped_entries\":[]"), std::string::npos);
  // New entries: one that matches, one of another stream, one filtered.
  const auto sent = std::chrono::steady_clock::now();
  Ingest(
      "{\"service\":\"api\",\"level\":\"info\",\"msg\":\"new one\"}\n"
      "{\"service\":\"web\",\"level\":\"info\",\"msg\":\"web one\"}\n"
      "{\"service\":\"api\",\"level\":\"info\",\"msg\":\"skip\"}\n");
  auto next = (*ws)->Read(2000);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_LT(std::chrono::steady_clock::now() - sent, std::chrono::seconds(2));
  EXPECT_NE(next->find("new one"), std::string::npos) << *next;
  EXPECT_EQ(next->find("web one"), std::string::npos) << *next;
  EXPECT_EQ(next->find("skip"), std::string::npos) << *next;
  EXPECT_NE(next->find("\"stream\":{\"level\":\"info\",\"service\":\"api\"}"),
            std::string::npos)
      << *next;
  (*ws)->Close();
  // A bad query closes the socket with the parse error as the reason.
  auto bad = WsClient::Connect("127.0.0.1", port(),
                               "/loki/api/v1/tail?query=" + Esc("{a=}"));
  ASSERT_TRUE(bad.ok()) << bad.status();
  auto closed = (*bad)->Read(5000);
  EXPECT_TRUE(absl::IsUnavailable(closed.status())) << closed.status();
  EXPECT_NE(std::string(closed.status().message()).find("parse error"),
            std::string::npos)
      << closed.status();
  // Plain GET without the upgrade: 400.
  EXPECT_EQ(Http(port(), "GET", "/loki/api/v1/tail?query=x").status, 400);
}

TEST_F(QueryApiTest, BoundsAnswer400NamingTheLimit) {
  Start({"--max-query-bytes-scanned", "2KB", "--max-query-limit", "50"});
  const int64_t now = NowNs();
  std::string lines;
  for (int i = 0; i < 100; ++i) {
    lines += "{\"time\":" + std::to_string(now - (1000 - i) * kMs) +
             ",\"service\":\"api\",\"msg\":\"line number " + std::to_string(i) +
             " with some padding to make it longer\"}\n";
  }
  Ingest(lines);
  const std::string range = "&start=" + std::to_string(now - 60'000 * kMs) +
                            "&end=" + std::to_string(now);
  Reply r =
      Http(port(), "GET",
           "/loki/api/v1/query_range?query=" +
               Esc("sum(count_over_time({service=\"api\"}[1m]))") + range);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("max_query_bytes_scanned"), std::string::npos)
      << r.body;
  r = Http(port(), "GET",
           "/loki/api/v1/query_range?limit=51&query=" +
               Esc("{service=\"api\"}") + range);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("max entries limit"), std::string::npos) << r.body;
  ASSERT_EQ(silt_->Terminate(), 0);
  silt_ = std::make_unique<SiltProcess>(
      dir_.path() + "/data",
      std::vector<std::string>{"--max-query-entries-scanned", "10"});
  ASSERT_TRUE(silt_->Start()) << silt_->stderr_text();
  r = Http(
      port(), "GET",
      "/loki/api/v1/query_range?query=" + Esc("{service=\"api\"}") + range);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("max_query_entries_scanned"), std::string::npos)
      << r.body;
}

}  // namespace
}  // namespace silt::testing
