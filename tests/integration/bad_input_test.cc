// Bad input never crashes silt and never costs a good line next to it.
#include <gtest/gtest.h>
#include <zlib.h>

#include "tests/integration/integration_util.h"
#include "tests/integration/silt_process.h"
#include "tests/testing/tcp_client.h"
#include "tests/testing/temp_dir.h"

namespace silt::testing {
namespace {

class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    silt_ = std::make_unique<SiltProcess>(dir_.path() + "/data");
    ASSERT_TRUE(silt_->Start()) << silt_->stderr_text();
    base_ = NowNs() - 60'000'000'000LL;
  }
  std::string Good(int i) {
    return "{\"ts\":" + std::to_string(base_ + i) +
           ",\"service\":\"good\",\"level\":\"info\",\"msg\":\"good line " +
           std::to_string(i) + "\"}\n";
  }
  int64_t CountGood() {
    auto m = CountBy(silt_->http_port(), "{service=\"good\"}", "service",
                     base_ - 1, NowNs() + 1);
    return m.count("__error__") ? -1 : m["good"];
  }
  std::string Metrics() {
    return Http(silt_->http_port(), "GET", "/metrics").body;
  }

  TempDir dir_;
  std::unique_ptr<SiltProcess> silt_;
  int64_t base_ = 0;
};

TEST_F(BadInputTest, TcpGarbageBetweenGoodLines) {
  std::string data;
  data += Good(1);
  data += "{not json at all\n";
  data += "{\"service\":\"good\",\"msg\":\"bad utf8 \xff\xfe\"}\n";
  data += Good(2);
  data += "{\"msg\":\"" + std::string(300 * 1024, 'x') + "\"}\n";  // > 256 KiB
  data += Good(3);
  std::string garbage;
  for (int i = 0; i < 4096; ++i)
    garbage += static_cast<char>((i * 131 + 7) % 256);
  data += garbage + "\n";
  data += Good(4);
  {
    TcpClient c;
    ASSERT_TRUE(c.Connect(silt_->tcp_port()).ok());
    ASSERT_TRUE(c.SendAll(data).ok());
  }
  {
    // A client that disconnects in the middle of a line.
    TcpClient c;
    ASSERT_TRUE(c.Connect(silt_->tcp_port()).ok());
    ASSERT_TRUE(
        c.SendAll(Good(5) + "{\"service\":\"good\",\"msg\":\"cut").ok());
  }
  ASSERT_TRUE(WaitReceived(silt_->http_port(), "tcp", 8));
  ASSERT_EQ(Http(silt_->http_port(), "POST", "/api/v1/flush").status, 204);
  EXPECT_EQ(Http(silt_->http_port(), "GET", "/ready").status, 200);

  // Good lines 1-5; the bad-UTF-8 line and the cut one are not readable
  // JSON, so they are stored under the source's labels instead.
  EXPECT_EQ(CountGood(), 5);
  std::string m = Metrics();
  EXPECT_GE(
      MetricValue(
          m,
          "silt_lines_rejected_total{input=\"tcp\",reason=\"invalid_json\"}"),
      2);
  EXPECT_GE(
      MetricValue(
          m,
          "silt_lines_rejected_total{input=\"tcp\",reason=\"invalid_utf8\"}"),
      1);
  EXPECT_EQ(
      MetricValue(
          m,
          "silt_lines_rejected_total{input=\"tcp\",reason=\"line_too_long\"}"),
      1);

  // The invalid JSON line is stored as it came, under the source's labels.
  Reply r = Http(silt_->http_port(), "GET",
                 "/loki/api/v1/query_range?query=" +
                     Esc("{source=\"tcp\"} |= \"not json at all\"") +
                     "&start=0&end=" + std::to_string(NowNs() + 1));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("{not json at all"), std::string::npos) << r.body;
}

TEST_F(BadInputTest, HttpErrorsAreClear) {
  Reply empty = Http(silt_->http_port(), "POST", "/api/v1/ingest", "");
  EXPECT_EQ(empty.status, 400);
  EXPECT_NE(empty.body.find("empty body"), std::string::npos);

  Reply bad_push = Http(
      silt_->http_port(), "POST", "/loki/api/v1/push",
      "{\"streams\":[{\"stream\":", {{"Content-Type", "application/json"}});
  EXPECT_EQ(bad_push.status, 400);
  EXPECT_FALSE(bad_push.body.empty());

  Reply bad_query = Http(silt_->http_port(), "GET",
                         "/loki/api/v1/query_range?query=" + Esc("{app=\"a\""));
  EXPECT_EQ(bad_query.status, 400);
  EXPECT_NE(bad_query.body.find("parse error"), std::string::npos)
      << bad_query.body;

  Reply empty_matcher =
      Http(silt_->http_port(), "GET",
           "/loki/api/v1/query_range?query=" + Esc("{app=~\".*\"}"));
  EXPECT_EQ(empty_matcher.status, 400);

  Reply bad_gzip = Http(silt_->http_port(), "POST", "/api/v1/ingest",
                        "not gzip", {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(bad_gzip.status, 400);

  Reply bad_tenant = Http(silt_->http_port(), "POST", "/api/v1/ingest", Good(1),
                          {{"X-Scope-OrgID", "../etc"}});
  EXPECT_EQ(bad_tenant.status, 400);

  // After all that, a good request still works.
  Reply ok = Http(silt_->http_port(), "POST", "/api/v1/ingest", Good(7));
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(CountGood(), 1);
}

TEST_F(BadInputTest, HttpOversizeLineIsStoredCutAndCountedOnce) {
  std::string body = Good(1) + "{\"service\":\"good\",\"msg\":\"" +
                     std::string(300 * 1024, 'z') + "\"}\n" + Good(2);
  Reply r = Http(silt_->http_port(), "POST", "/api/v1/ingest", body);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(MetricValue(Metrics(),
                        "silt_lines_rejected_total{input=\"http\","
                        "reason=\"line_too_long\"}"),
            1);
  // The cut line is stored too, with the labels read before the cut.
  EXPECT_EQ(CountGood(), 3);
}

TEST_F(BadInputTest, PushRefusesOnlyTheOversizeEntry) {
  std::string big(300 * 1024, 'y');
  std::string body =
      "{\"streams\":[{\"stream\":{\"service\":\"good\"},\"values\":[[\"" +
      std::to_string(base_ + 1) + "\",\"small one\"],[\"" +
      std::to_string(base_ + 2) + "\",\"" + big + "\"],[\"" +
      std::to_string(base_ + 3) +
      "\",\"small two\",{\"trace_id\":\"abc123\"}]]}]}";
  Reply r = Http(silt_->http_port(), "POST", "/loki/api/v1/push", body,
                 {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(CountGood(), 2);
}

TEST_F(BadInputTest, GzipNdjsonBodyIsAccepted) {
  std::string plain = Good(1) + Good(2) + Good(3);
  std::string gz(compressBound(plain.size()) + 64, '\0');
  z_stream zs{};
  ASSERT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY),
            Z_OK);
  zs.next_in = reinterpret_cast<Bytef*>(plain.data());
  zs.avail_in = plain.size();
  zs.next_out = reinterpret_cast<Bytef*>(gz.data());
  zs.avail_out = gz.size();
  ASSERT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  gz.resize(zs.total_out);
  deflateEnd(&zs);
  Reply r = Http(silt_->http_port(), "POST", "/api/v1/ingest", gz,
                 {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(CountGood(), 3);
}

}  // namespace
}  // namespace silt::testing
