// End-to-end: the real silt binary, TCP and HTTP ingest, restarts.
#include <gtest/gtest.h>

#include <thread>

#include "tests/integration/integration_util.h"
#include "tests/integration/silt_process.h"
#include "tests/testing/tcp_client.h"
#include "tests/testing/temp_dir.h"

namespace silt::testing {
namespace {

class RoundTripTest : public ::testing::Test {
 protected:
  void SetUp() override {
    silt_ = std::make_unique<SiltProcess>(dir_.path() + "/data");
    ASSERT_TRUE(silt_->Start()) << silt_->stderr_text();
  }
  void ExpectCounts(const Corpus& c) {
    auto by_service = CountBy(silt_->http_port(), "{service=~\".+\"}",
                              "service", c.base_ns, c.last_ns + 1);
    EXPECT_EQ(by_service, c.per_service);
    auto by_level = CountBy(silt_->http_port(), "{level=~\".+\"}", "level",
                            c.base_ns, c.last_ns + 1);
    EXPECT_EQ(by_level, c.per_level);
  }

  TempDir dir_;
  std::unique_ptr<SiltProcess> silt_;
};

TEST_F(RoundTripTest, TcpTwoHundredThousandLinesExactCountsAndAfterRestart) {
  const int kLines = 200000;
  Corpus c = MakeCorpus(kLines, NowNs() - 3600'000'000'000LL);
  {
    TcpClient client;
    ASSERT_TRUE(client.Connect(silt_->tcp_port()).ok());
    ASSERT_TRUE(client.SendAll(c.text).ok());
    client.ShutdownWrite();
    ASSERT_TRUE(WaitReceived(silt_->http_port(), "tcp", kLines));
  }
  Reply flush = Http(silt_->http_port(), "POST", "/api/v1/flush");
  ASSERT_EQ(flush.status, 204) << flush.body;
  Reply metrics = Http(silt_->http_port(), "GET", "/metrics");
  EXPECT_EQ(MetricValue(metrics.body, "silt_entries_stored_total"), kLines);
  ExpectCounts(c);

  // SIGTERM, restart on the same data: the same answers.
  ASSERT_EQ(silt_->Terminate(), 0) << silt_->stderr_text();
  ASSERT_TRUE(silt_->Start()) << silt_->stderr_text();
  ExpectCounts(c);
}

TEST_F(RoundTripTest, KillNineAfterAcknowledgedHttpIngestLosesNothing) {
  Corpus c = MakeCorpus(5000, NowNs() - 600'000'000'000LL);
  // Several acknowledged requests, then kill -9 at once: no flush, no
  // SIGTERM; only the WAL can bring them back.
  const size_t kParts = 5;
  size_t per = c.text.size() / kParts, pos = 0;
  for (size_t i = 0; i < kParts; ++i) {
    size_t end =
        i + 1 == kParts ? c.text.size() : c.text.find('\n', pos + per) + 1;
    Reply r = Http(silt_->http_port(), "POST", "/api/v1/ingest",
                   c.text.substr(pos, end - pos));
    ASSERT_EQ(r.status, 200) << r.body;
    pos = end;
  }
  silt_->Kill9();
  ASSERT_TRUE(silt_->Start()) << silt_->stderr_text();
  ExpectCounts(c);
}

TEST_F(RoundTripTest, KillNineAfterTcpLinesAreStoredLosesNothing) {
  // TCP acknowledges nothing, so its WAL records are written (safe from a
  // crash of silt) but synced only every second: kill -9 must not lose them.
  Corpus c = MakeCorpus(20000, NowNs() - 600'000'000'000LL);
  TcpClient client;
  ASSERT_TRUE(client.Connect(silt_->tcp_port()).ok());
  ASSERT_TRUE(client.SendAll(c.text).ok());
  ASSERT_TRUE(WaitReceived(silt_->http_port(), "tcp", 20000));
  for (int i = 0; i < 600; ++i) {
    Reply m = Http(silt_->http_port(), "GET", "/metrics");
    if (MetricValue(m.body, "silt_entries_stored_total") >= 20000) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  silt_->Kill9();
  ASSERT_TRUE(silt_->Start()) << silt_->stderr_text();
  ExpectCounts(c);
}

TEST_F(RoundTripTest, RedeliveredLinesAreNotDuplicated) {
  Corpus c = MakeCorpus(1000, NowNs() - 600'000'000'000LL);
  for (int i = 0; i < 2; ++i) {
    Reply r = Http(silt_->http_port(), "POST", "/api/v1/ingest", c.text);
    ASSERT_EQ(r.status, 200) << r.body;
    if (i == 0) {
      ASSERT_EQ(Http(silt_->http_port(), "POST", "/api/v1/flush").status, 204);
    }
  }
  ExpectCounts(c);
  silt_->Kill9();
  ASSERT_TRUE(silt_->Start()) << silt_->stderr_text();
  ExpectCounts(c);
}

TEST_F(RoundTripTest, TenantsNeverSeeEachOthersData) {
  Corpus a = MakeCorpus(300, NowNs() - 600'000'000'000LL, " a");
  Reply r = Http(silt_->http_port(), "POST", "/api/v1/ingest", a.text,
                 {{"X-Scope-OrgID", "team-a"}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto seen_a = CountBy(silt_->http_port(), "{service=~\".+\"}", "service",
                        a.base_ns, a.last_ns + 1, "team-a");
  EXPECT_EQ(seen_a, a.per_service);
  auto seen_b = CountBy(silt_->http_port(), "{service=~\".+\"}", "service",
                        a.base_ns, a.last_ns + 1, "team-b");
  EXPECT_TRUE(seen_b.empty());
  auto seen_default = CountBy(silt_->http_port(), "{service=~\".+\"}",
                              "service", a.base_ns, a.last_ns + 1);
  EXPECT_TRUE(seen_default.empty());
  Reply labels = Http(silt_->http_port(), "GET", "/loki/api/v1/labels", "",
                      {{"X-Scope-OrgID", "team-b"}});
  EXPECT_EQ(labels.status, 200);
  EXPECT_EQ(labels.body.find("service"), std::string::npos) << labels.body;
}

}  // namespace
}  // namespace silt::testing
