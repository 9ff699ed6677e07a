#include "ingest/tcp_source.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/metrics.h"
#include "tests/testing/tcp_client.h"

namespace silt::ingest {
namespace {

using namespace std::chrono_literals;
using silt::testing::TcpClient;

// Records every batch the source hands over. In hold mode `done` is kept
// until Release(); otherwise it is called at once.
class Recorder {
 public:
  BatchSink Sink() {
    return [this](RecordBatch&& batch, std::function<void(absl::Status)> done) {
      std::unique_lock<std::mutex> lock(mu_);
      for (size_t i = 0; i < batch.size(); ++i) {
        lines_.emplace_back(batch.line(i));
        rejects_.push_back(batch.record(i).reject);
      }
      bytes_ += batch.line_bytes();
      ++batches_;
      tenant_ = batch.tenant;
      input_ = batch.input;
      received_ns_ = batch.received_ns;
      fallback_ = batch.fallback_labels;
      cv_.notify_all();
      if (hold_) {
        held_.push_back(std::move(done));
        return;
      }
      lock.unlock();
      done(absl::OkStatus());
    };
  }

  void Hold(bool hold) {
    std::lock_guard<std::mutex> lock(mu_);
    hold_ = hold;
  }
  // Calls every held `done`; returns how many.
  size_t Release() {
    std::vector<std::function<void(absl::Status)>> held;
    {
      std::lock_guard<std::mutex> lock(mu_);
      held.swap(held_);
    }
    for (auto& d : held) d(absl::OkStatus());
    return held.size();
  }
  size_t held() {
    std::lock_guard<std::mutex> lock(mu_);
    return held_.size();
  }

  bool WaitLines(size_t n, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return lines_.size() >= n; });
  }
  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }
  std::vector<Reject> rejects() {
    std::lock_guard<std::mutex> lock(mu_);
    return rejects_;
  }
  size_t bytes() {
    std::lock_guard<std::mutex> lock(mu_);
    return bytes_;
  }
  int batches() {
    std::lock_guard<std::mutex> lock(mu_);
    return batches_;
  }
  std::string tenant, input;
  std::string tenant_, input_;
  int64_t received_ns_ = 0;
  Labels fallback_;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
  std::vector<Reject> rejects_;
  size_t bytes_ = 0;
  int batches_ = 0;
  bool hold_ = false;
  std::vector<std::function<void(absl::Status)>> held_;
};

class TcpSourceTest : public ::testing::Test {
 protected:
  void StartSource(TcpOptions options = {}) {
    options.listen = "127.0.0.1:0";
    auto src = TcpSource::Start(options, recorder_.Sink());
    ASSERT_TRUE(src.ok()) << src.status();
    source_ = std::move(*src);
    ASSERT_NE(source_->port(), 0);
  }
  void Connect(TcpClient* client) {
    ASSERT_TRUE(client->Connect(source_->port()).ok());
  }
  void TearDown() override {
    recorder_.Hold(false);
    recorder_.Release();
    if (source_) source_->Stop();
  }

  Recorder recorder_;
  std::unique_ptr<TcpSource> source_;
};

TEST_F(TcpSourceTest, NewlineDelimitedLinesExact) {
  TcpOptions opt;
  opt.tenant = "acme";
  StartSource(opt);
  uint64_t lines_before = Metrics().lines_received.With({"tcp"}).value();
  TcpClient c;
  Connect(&c);
  ASSERT_TRUE(c.SendAll("{\"a\":1}\n{\"b\":\"x y\"}\n\n{\"c\":3}\n").ok());
  ASSERT_TRUE(recorder_.WaitLines(3));
  EXPECT_EQ(
      recorder_.lines(),
      (std::vector<std::string>{"{\"a\":1}", "{\"b\":\"x y\"}", "{\"c\":3}"}));
  EXPECT_EQ(recorder_.tenant_, "acme");
  EXPECT_EQ(recorder_.input_, "tcp");
  EXPECT_GT(recorder_.received_ns_, 1'600'000'000'000'000'000);
  EXPECT_EQ(recorder_.fallback_, (Labels{{"source", "tcp"}}));
  EXPECT_EQ(Metrics().lines_received.With({"tcp"}).value() - lines_before, 3u);
}

TEST_F(TcpSourceTest, CrLfStripped) {
  StartSource();
  TcpClient c;
  Connect(&c);
  ASSERT_TRUE(c.SendAll("one\r\ntwo\r\n\r\nthree\n").ok());
  ASSERT_TRUE(recorder_.WaitLines(3));
  EXPECT_EQ(recorder_.lines(),
            (std::vector<std::string>{"one", "two", "three"}));
}

TEST_F(TcpSourceTest, OctetCountedFrames) {
  StartSource();
  TcpClient c;
  Connect(&c);
  ASSERT_TRUE(c.SendAll("7 {\"a\":1}13 line\nwith nl\n2 ok").ok());
  ASSERT_TRUE(recorder_.WaitLines(3));
  EXPECT_EQ(recorder_.lines(),
            (std::vector<std::string>{"{\"a\":1}", "line\nwith nl", "ok"}));
}

TEST_F(TcpSourceTest, MixedFraming) {
  StartSource();
  TcpClient c;
  Connect(&c);
  ASSERT_TRUE(
      c.SendAll("{\"n\":1}\n7 {\"n\":2}\n{\"n\":3}\n5 hello2024-05-01 text\n")
          .ok());
  ASSERT_TRUE(recorder_.WaitLines(5));
  EXPECT_EQ(recorder_.lines(),
            (std::vector<std::string>{"{\"n\":1}", "{\"n\":2}", "{\"n\":3}",
                                      "hello", "2024-05-01 text"}));
}

TEST_F(TcpSourceTest, LineSplitAcrossTinyWrites) {
  StartSource();
  TcpClient c;
  Connect(&c);
  std::string line = "{\"msg\":\"" + std::string(300, 'm') + "\"}";
  std::string data = line + "\n12 octet-frame" + line + "\n";
  for (char ch : data) {
    ASSERT_TRUE(c.SendAll(std::string_view(&ch, 1)).ok());
    if (ch == 'm') std::this_thread::sleep_for(50us);
  }
  ASSERT_TRUE(recorder_.WaitLines(3));
  EXPECT_EQ(recorder_.lines(),
            (std::vector<std::string>{line, "octet-frame{", line.substr(1)}));
}

TEST_F(TcpSourceTest, PartialLineStoredAtDisconnect) {
  StartSource();
  TcpClient c;
  Connect(&c);
  ASSERT_TRUE(c.SendAll("full\n{\"partial\":").ok());
  c.Close();
  ASSERT_TRUE(recorder_.WaitLines(2));
  EXPECT_EQ(recorder_.lines(),
            (std::vector<std::string>{"full", "{\"partial\":"}));
}

TEST_F(TcpSourceTest, OverLongLineCutMarkedAndCounted) {
  TcpOptions opt;
  opt.max_line_bytes = 64;
  StartSource(opt);
  Counter& cut = Metrics().lines_rejected.With({"tcp", "line_too_long"});
  uint64_t before = cut.value();
  TcpClient c;
  Connect(&c);
  std::string big(100000, 'x');
  ASSERT_TRUE(c.SendAll(big + "\n{\"next\":true}\n").ok());
  ASSERT_TRUE(recorder_.WaitLines(2));
  auto lines = recorder_.lines();
  auto rejects = recorder_.rejects();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], std::string(64, 'x'));
  EXPECT_EQ(rejects[0], Reject::kTruncated);
  EXPECT_EQ(lines[1], "{\"next\":true}");
  EXPECT_EQ(rejects[1], Reject::kNone);
  EXPECT_EQ(cut.value() - before, 1u);
}

TEST_F(TcpSourceTest, BinaryGarbageStoredAsIs) {
  StartSource();
  TcpClient c;
  Connect(&c);
  std::string garbage;
  for (int i = 0; i < 256; ++i) {
    if (i != '\n' && !(i >= '0' && i <= '9')) garbage.push_back(char(i));
  }
  ASSERT_TRUE(c.SendAll(garbage + "\n{\"good\":1}\n").ok());
  ASSERT_TRUE(recorder_.WaitLines(2));
  EXPECT_EQ(recorder_.lines(),
            (std::vector<std::string>{garbage, "{\"good\":1}"}));
}

TEST_F(TcpSourceTest, ConnectionsPastTheCapAreRefused) {
  TcpOptions opt;
  opt.max_connections = 2;
  StartSource(opt);
  Counter& refused = Metrics().tcp_connections.With({"refused"});
  uint64_t before = refused.value();
  TcpClient a, b, c;
  Connect(&a);
  Connect(&b);
  ASSERT_TRUE(a.SendAll("a\n").ok());
  ASSERT_TRUE(b.SendAll("b\n").ok());
  ASSERT_TRUE(recorder_.WaitLines(2));  // both accepted and registered
  Connect(&c);
  EXPECT_TRUE(c.WaitPeerClosed(5000));
  EXPECT_EQ(refused.value() - before, 1u);
  EXPECT_FALSE(a.WaitPeerClosed(100));
  // A slot frees up when a client leaves.
  a.Close();
  std::this_thread::sleep_for(200ms);
  TcpClient d;
  Connect(&d);
  ASSERT_TRUE(d.SendAll("d\n").ok());
  ASSERT_TRUE(recorder_.WaitLines(3));
}

TEST_F(TcpSourceTest, IdleConnectionClosed) {
  TcpOptions opt;
  opt.idle_timeout_s = 1;
  StartSource(opt);
  TcpClient c;
  Connect(&c);
  ASSERT_TRUE(c.SendAll("hello\nhalf").ok());
  EXPECT_TRUE(c.WaitPeerClosed(5000));
  ASSERT_TRUE(recorder_.WaitLines(2));
  EXPECT_EQ(recorder_.lines(), (std::vector<std::string>{"hello", "half"}));
}

// The idle timeout counts from the last data, not from the connection's
// start: a client that sends more often than the timeout stays connected
// for longer than it, and is closed once it goes silent.
TEST_F(TcpSourceTest, ActiveConnectionOutlivesIdleTimeout) {
  TcpOptions opt;
  opt.idle_timeout_s = 1;
  StartSource(opt);
  TcpClient c;
  Connect(&c);
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> want;
  for (int i = 0; i < 8; ++i) {
    want.push_back("line" + std::to_string(i));
    ASSERT_TRUE(c.SendAll(want.back() + "\n").ok());
    std::this_thread::sleep_for(350ms);
  }
  EXPECT_GE(std::chrono::steady_clock::now() - start, 2500ms);
  EXPECT_FALSE(c.WaitPeerClosed(50));
  ASSERT_TRUE(recorder_.WaitLines(8));
  EXPECT_TRUE(c.WaitPeerClosed(5000));
  EXPECT_EQ(recorder_.lines(), want);
}

// Sends `n` numbered lines of ~100 bytes from a thread.
class Sender {
 public:
  // `expect_ok`: the server reads everything (no Stop() in between).
  // `conn` >= 0 tags each line with "pad":"c<conn>..." to tell senders apart.
  Sender(uint16_t port, int n, bool expect_ok = true, int conn = -1) {
    EXPECT_TRUE(client_.Connect(port).ok());
    std::string data;
    for (int i = 0; i < n; ++i) {
      std::string line = "{\"seq\":" + std::to_string(i) + ",\"pad\":\"";
      if (conn >= 0) line += "c" + std::to_string(conn) + "-";
      line.append(100 - line.size(), 'p');
      line += "\"}\n";
      data += line;
    }
    total_ = data.size();
    thread_ = std::thread([this, expect_ok, data = std::move(data)] {
      absl::Status st = client_.SendAll(data);
      if (expect_ok) {
        EXPECT_TRUE(st.ok()) << st;
      }
      client_.Close();
      finished_ = true;
    });
  }
  ~Sender() { thread_.join(); }
  bool finished() const { return finished_; }
  size_t total() const { return total_; }

 private:
  TcpClient client_;
  std::thread thread_;
  std::atomic<bool> finished_{false};
  size_t total_ = 0;
};

void ExpectSequence(const std::vector<std::string>& lines, int n) {
  ASSERT_EQ(lines.size(), static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    std::string want = "{\"seq\":" + std::to_string(i) + ",";
    ASSERT_EQ(lines[i].substr(0, want.size()), want) << "line " << i;
  }
}

TEST_F(TcpSourceTest, BackpressurePerConnectionStopsReading) {
  TcpOptions opt;
  opt.read_chunk_bytes = 4096;
  opt.max_inflight_per_conn = 2;
  StartSource(opt);
  recorder_.Hold(true);
  const int kLines = 300000;  // ~30 MB: more than the kernel buffers hold
  Sender sender(source_->port(), kLines);
  std::this_thread::sleep_for(1s);
  // Two batches handed over, then the connection stopped reading.
  EXPECT_EQ(recorder_.batches(), 2);
  EXPECT_LE(recorder_.bytes(), 2u * (4096 + 256));
  EXPECT_FALSE(sender.finished());
  recorder_.Hold(false);
  recorder_.Release();
  ASSERT_TRUE(recorder_.WaitLines(kLines, 60s));
  ExpectSequence(recorder_.lines(), kLines);
}

TEST_F(TcpSourceTest, BackpressureGlobalByteBudget) {
  TcpOptions opt;
  opt.read_chunk_bytes = 4096;
  opt.max_inflight_per_conn = 1000;
  opt.max_inflight_bytes = 64 * 1024;
  StartSource(opt);
  recorder_.Hold(true);
  const int kLines = 300000;
  Sender sender(source_->port(), kLines);
  std::this_thread::sleep_for(1s);
  EXPECT_LE(recorder_.bytes(), 64u * 1024 + 2 * (4096 + 256));
  EXPECT_GT(recorder_.held(), 1u);
  EXPECT_FALSE(sender.finished());
  // Releasing a batch at a time keeps the stream moving.
  for (int i = 0; i < 5; ++i) {
    size_t before = recorder_.bytes();
    recorder_.Release();
    std::this_thread::sleep_for(100ms);
    EXPECT_GT(recorder_.bytes(), before);
  }
  recorder_.Hold(false);
  recorder_.Release();
  ASSERT_TRUE(recorder_.WaitLines(kLines, 60s));
  ExpectSequence(recorder_.lines(), kLines);
}

TEST_F(TcpSourceTest, ManyConnectionsOnTwoThreads) {
  TcpOptions opt;
  opt.io_threads = 2;
  opt.read_chunk_bytes = 8192;
  StartSource(opt);
  const int kConns = 8, kLines = 5000;
  {
    std::vector<std::unique_ptr<Sender>> senders;
    for (int i = 0; i < kConns; ++i) {
      senders.push_back(
          std::make_unique<Sender>(source_->port(), kLines, true, i));
    }
  }
  ASSERT_TRUE(recorder_.WaitLines(kConns * kLines, 60s));
  // Per connection, lines arrive whole and in order.
  std::vector<int> next(kConns, 0);
  for (const std::string& line : recorder_.lines()) {
    ASSERT_EQ(line.size(), 102u) << line;
    size_t c = line.find("\"c");
    ASSERT_NE(c, std::string::npos) << line;
    int conn = std::stoi(line.substr(c + 2));
    ASSERT_EQ(std::stoi(line.substr(7)), next[conn]) << line;
    ++next[conn];
  }
  EXPECT_EQ(next, std::vector<int>(kConns, kLines));
}

TEST_F(TcpSourceTest, StopFlushesAndWaitsForDone) {
  StartSource();
  recorder_.Hold(true);
  TcpClient c;
  Connect(&c);
  ASSERT_TRUE(c.SendAll("l1\nl2\nl3\npartial").ok());
  ASSERT_TRUE(recorder_.WaitLines(3));
  std::atomic<bool> released{false};
  std::thread releaser([&] {
    std::this_thread::sleep_for(300ms);
    released = true;
    recorder_.Hold(false);
    recorder_.Release();
  });
  auto t0 = std::chrono::steady_clock::now();
  source_->Stop();
  EXPECT_TRUE(released.load());
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 250ms);
  releaser.join();
  EXPECT_EQ(recorder_.lines(), (std::vector<std::string>{"l1", "l2", "l3"}));
  EXPECT_TRUE(c.WaitPeerClosed(2000));
  source_->Stop();  // idempotent
}

TEST_F(TcpSourceTest, StopWithConnectionsReadingManyLines) {
  TcpOptions opt;
  opt.read_chunk_bytes = 8192;
  StartSource(opt);
  const int kLines = 20000;
  Sender sender(source_->port(), kLines, /*expect_ok=*/false);
  recorder_.WaitLines(100);
  source_->Stop();
  // Whatever arrived is whole lines in order.
  auto lines = recorder_.lines();
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string want = "{\"seq\":" + std::to_string(i) + ",";
    ASSERT_EQ(lines[i].substr(0, want.size()), want);
    ASSERT_EQ(lines[i].size(), 102u);
  }
}

TEST_F(TcpSourceTest, BadListenAddress) {
  TcpOptions opt;
  opt.listen = "nonsense";
  EXPECT_EQ(TcpSource::Start(opt, recorder_.Sink()).status().code(),
            absl::StatusCode::kInvalidArgument);
  opt.listen = "999.1.1.1:80";
  EXPECT_EQ(TcpSource::Start(opt, recorder_.Sink()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(TcpSourceTest, PortInUseIsUnavailable) {
  StartSource();
  TcpOptions opt;
  opt.listen = "127.0.0.1:" + std::to_string(source_->port());
  EXPECT_EQ(TcpSource::Start(opt, recorder_.Sink()).status().code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace silt::ingest
