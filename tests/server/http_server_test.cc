#include "server/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/gzip.h"
#include "tests/testing/http_client.h"
#include "tests/testing/tcp_client.h"

namespace silt::server {
namespace {

using namespace std::chrono_literals;
using silt::testing::HttpGet;
using silt::testing::HttpPost;
using silt::testing::HttpResult;
using silt::testing::TcpClient;

class HttpServerTest : public ::testing::Test {
 protected:
  void StartServer(HttpServerOptions options = {}) {
    options.listen = "127.0.0.1:0";
    auto s = HttpServer::Start(
        options, [this](HttpRequest&& req, Responder respond) {
          ++calls_;
          {
            std::lock_guard<std::mutex> lock(mu_);
            last_ = req;
          }
          if (handler_) return handler_(std::move(req), std::move(respond));
          HttpResponse r;
          r.status = 200;
          r.content_type = "text/plain";
          r.body = req.method + " " + req.path + " " + req.body;
          r.headers.push_back({"X-Echo", "1"});
          respond(std::move(r));
        });
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
  }
  void TearDown() override {
    if (server_) server_->Stop();
    for (auto& t : threads_) t.join();
  }
  HttpRequest last() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_;
  }
  uint16_t port() const { return server_->port(); }
  HttpResult MustGet(const std::string& target,
                     const silt::testing::HttpHeaders& headers = {}) {
    auto r = HttpGet("127.0.0.1", port(), target, headers);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : HttpResult{};
  }
  HttpResult MustPost(const std::string& target, const std::string& body,
                      const silt::testing::HttpHeaders& headers = {}) {
    auto r = HttpPost("127.0.0.1", port(), target, body, headers);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : HttpResult{};
  }

  std::unique_ptr<HttpServer> server_;
  std::function<void(HttpRequest&&, Responder)> handler_;
  std::atomic<int> calls_{0};
  std::mutex mu_;
  HttpRequest last_;
  std::vector<std::thread> threads_;
};

TEST_F(HttpServerTest, GetAndPostRoundTrip) {
  StartServer();
  HttpResult get = MustGet("/ready");
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, "GET /ready ");
  EXPECT_EQ(get.headers["x-echo"], "1");
  EXPECT_EQ(get.headers["content-type"], "text/plain");
  HttpResult post = MustPost("/api/v1/ingest", "{\"a\":1}\n");
  EXPECT_EQ(post.status, 200);
  EXPECT_EQ(post.body, "POST /api/v1/ingest {\"a\":1}\n");
}

TEST_F(HttpServerTest, QueryParamsDecoded) {
  StartServer();
  MustGet(
      "/loki/api/v1/series?match[]=%7Bapp%3D%22a%22%7D&match%5B%5D=b"
      "&q=x+y%20z&flag&empty=&pct=100%25&bad=%zz");
  HttpRequest req = last();
  EXPECT_EQ(req.path, "/loki/api/v1/series");
  EXPECT_EQ(req.target.substr(0, 20), "/loki/api/v1/series?");
  EXPECT_EQ(req.params.count("match[]"), 2u);
  auto range = req.params.equal_range("match[]");
  std::vector<std::string> matches;
  for (auto it = range.first; it != range.second; ++it) {
    matches.push_back(it->second);
  }
  EXPECT_EQ(matches, (std::vector<std::string>{"{app=\"a\"}", "b"}));
  EXPECT_EQ(req.Param("q"), "x y z");
  EXPECT_EQ(req.params.count("flag"), 1u);
  EXPECT_EQ(req.Param("empty"), "");
  EXPECT_EQ(req.Param("pct"), "100%");
  EXPECT_EQ(req.Param("bad"), "%zz");
  EXPECT_EQ(req.Param("missing"), "");
}

TEST_F(HttpServerTest, PathPercentDecoded) {
  StartServer();
  MustGet("/api/v1/trace/ab%20cd+ef");
  EXPECT_EQ(last().path, "/api/v1/trace/ab cd+ef");
}

TEST_F(HttpServerTest, FormBodyMergedIntoParams) {
  StartServer();
  MustPost("/loki/api/v1/query_range?limit=5",
           "query=%7Bapp%3D%22x%22%7D+%7C%3D+%22err%22&match[]=a&match[]=b",
           {{"Content-Type", "application/x-www-form-urlencoded"}});
  HttpRequest req = last();
  EXPECT_EQ(req.Param("query"), "{app=\"x\"} |= \"err\"");
  EXPECT_EQ(req.Param("limit"), "5");
  EXPECT_EQ(req.params.count("match[]"), 2u);
}

TEST_F(HttpServerTest, HeaderNamesLowerCased) {
  StartServer();
  MustGet("/", {{"X-Scope-OrgID", "acme"}});
  HttpRequest req = last();
  EXPECT_EQ(req.Header("x-scope-orgid"), "acme");
  EXPECT_EQ(req.headers.count("X-Scope-OrgID"), 0u);
  EXPECT_FALSE(req.Header("host").empty());
}

TEST_F(HttpServerTest, GzipBodyDecoded) {
  StartServer();
  std::string body = "{\"line\":\"hello\"}\n";
  for (int i = 0; i < 1000; ++i) body += "{\"n\":" + std::to_string(i) + "}\n";
  auto gz = GzipCompress(body);
  ASSERT_TRUE(gz.ok());
  HttpResult r = MustPost("/push", *gz, {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(last().body, body);
}

TEST_F(HttpServerTest, BadGzipIs400WithoutCallingHandler) {
  StartServer();
  HttpResult r =
      MustPost("/push", "this is not gzip", {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("gzip"), std::string::npos);
  EXPECT_EQ(calls_.load(), 0);
  EXPECT_EQ(MustGet("/after").status, 200);  // server still fine
}

TEST_F(HttpServerTest, UnknownContentEncodingIs415) {
  StartServer();
  HttpResult r = MustPost("/push", "x", {{"Content-Encoding", "br"}});
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(HttpServerTest, BodyTooLargeIs413) {
  HttpServerOptions opt;
  opt.max_body_bytes = 1024;
  StartServer(opt);
  EXPECT_EQ(MustPost("/push", std::string(1024, 'a')).status, 200);
  HttpResult r = MustPost("/push", std::string(4096, 'a'));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(calls_.load(), 1);
}

TEST_F(HttpServerTest, GzipExpandingPastTheLimitIs413) {
  HttpServerOptions opt;
  opt.max_body_bytes = 64 * 1024;
  StartServer(opt);
  auto gz = GzipCompress(std::string(1 << 20, 'z'));
  ASSERT_TRUE(gz.ok());
  ASSERT_LT(gz->size(), 64u * 1024);
  HttpResult r = MustPost("/push", *gz, {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(HttpServerTest, AsyncResponderFromAnotherThread) {
  StartServer();
  handler_ = [this](HttpRequest&& req, Responder respond) {
    threads_.emplace_back([respond, path = req.path] {
      std::this_thread::sleep_for(50ms);
      HttpResponse r;
      r.status = 204;
      r.body = "";
      respond(std::move(r));
      HttpResponse again;  // a second call is ignored
      again.status = 500;
      respond(std::move(again));
    });
  };
  HttpResult r = MustPost("/push", "x");
  EXPECT_EQ(r.status, 204);
  handler_ = nullptr;
  EXPECT_EQ(MustGet("/next").status, 200);
}

TEST_F(HttpServerTest, DroppedResponderAnswers500) {
  StartServer();
  handler_ = [](HttpRequest&&, Responder) {};
  EXPECT_EQ(MustGet("/x").status, 500);
}

TEST_F(HttpServerTest, ThrowingHandlerAnswers500) {
  StartServer();
  handler_ = [](HttpRequest&&, Responder) { throw std::runtime_error("boom"); };
  EXPECT_EQ(MustGet("/x").status, 500);
  handler_ = nullptr;
  EXPECT_EQ(MustGet("/y").status, 200);
}

TEST_F(HttpServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  StartServer();
  TcpClient c;
  ASSERT_TRUE(c.Connect(port()).ok());
  // Pipelined, then one more after the answers.
  ASSERT_TRUE(c.SendAll("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                        "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                        "\r\nabc")
                  .ok());
  std::string got = c.ReadUntil("HTTP/1.1 200", 2, 5000);
  EXPECT_NE(got.find("GET /a "), std::string::npos) << got;
  EXPECT_NE(got.find("POST /b abc"), std::string::npos) << got;
  ASSERT_TRUE(c.SendAll("GET /c HTTP/1.1\r\nHost: x\r\n\r\n").ok());
  got = c.ReadUntil("GET /c", 1, 5000);
  EXPECT_NE(got.find("HTTP/1.1 200"), std::string::npos) << got;
  EXPECT_EQ(calls_.load(), 3);
}

TEST_F(HttpServerTest, ConnectionCloseHonoured) {
  StartServer();
  TcpClient c;
  ASSERT_TRUE(c.Connect(port()).ok());
  ASSERT_TRUE(
      c.SendAll("GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
          .ok());
  std::string got = c.ReadUntil("GET /a", 1, 5000);
  EXPECT_NE(got.find("HTTP/1.1 200"), std::string::npos);
  EXPECT_TRUE(c.WaitPeerClosed(5000));
}

TEST_F(HttpServerTest, MalformedRequestLineIs400AndClosed) {
  StartServer();
  for (const char* bad :
       {"GARBAGE\r\n\r\n", "GET / HTTP/9\r\n\r\n", "GET /\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
        "GET / HTTP/1.1\r\nbad header line\r\n\r\n"}) {
    TcpClient c;
    ASSERT_TRUE(c.Connect(port()).ok());
    ASSERT_TRUE(c.SendAll(bad).ok());
    std::string got = c.ReadUntil("\r\n\r\n", 1, 5000);
    EXPECT_EQ(got.substr(0, 12), "HTTP/1.1 400") << bad << " -> " << got;
    EXPECT_TRUE(c.WaitPeerClosed(5000)) << bad;
  }
  EXPECT_EQ(calls_.load(), 0);
  EXPECT_EQ(MustGet("/still-up").status, 200);
}

TEST_F(HttpServerTest, BinaryGarbageNeverCrashes) {
  StartServer();
  std::string junk;
  uint32_t x = 12345;
  for (int i = 0; i < 100000; ++i) {
    x = x * 1103515245 + 12345;
    junk.push_back(static_cast<char>(x >> 24));
  }
  for (int i = 0; i < 20; ++i) {
    TcpClient c;
    ASSERT_TRUE(c.Connect(port()).ok());
    (void)c.SendAll(junk.substr(i * 1000, 5000));
    c.WaitPeerClosed(2000);
  }
  EXPECT_EQ(MustGet("/still-up").status, 200);
}

TEST_F(HttpServerTest, Expect100Continue) {
  StartServer();
  TcpClient c;
  ASSERT_TRUE(c.Connect(port()).ok());
  ASSERT_TRUE(c.SendAll("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                        "Expect: 100-continue\r\n\r\n")
                  .ok());
  std::string got = c.ReadUntil("\r\n\r\n", 1, 5000);
  EXPECT_EQ(got.substr(0, 12), "HTTP/1.1 100") << got;
  ASSERT_TRUE(c.SendAll("hello").ok());
  got = c.ReadUntil("POST /p hello", 1, 5000);
  EXPECT_NE(got.find("HTTP/1.1 200"), std::string::npos) << got;
}

TEST_F(HttpServerTest, SilentClientTimesOut) {
  HttpServerOptions opt;
  opt.idle_timeout_s = 1;
  StartServer(opt);
  TcpClient c;
  ASSERT_TRUE(c.Connect(port()).ok());
  ASSERT_TRUE(c.SendAll("GET / HTTP/1.1\r\nHost:").ok());  // then nothing
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.WaitPeerClosed(5000));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 4s);
}

TEST_F(HttpServerTest, StopWaitsForRequestsInFlight) {
  StartServer();
  handler_ = [this](HttpRequest&&, Responder respond) {
    threads_.emplace_back([respond] {
      std::this_thread::sleep_for(300ms);
      HttpResponse r;
      r.body = "late";
      respond(std::move(r));
    });
  };
  absl::StatusOr<HttpResult> result;
  std::thread client([&] { result = HttpGet("127.0.0.1", port(), "/slow"); });
  while (calls_.load() == 0) std::this_thread::sleep_for(5ms);
  server_->Stop();
  client.join();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, "late");
  EXPECT_FALSE(HttpGet("127.0.0.1", port(), "/after").ok());
}

TEST_F(HttpServerTest, ResponderAfterServerGoneIsHarmless) {
  StartServer();
  Responder kept;
  std::mutex kept_mu;
  handler_ = [&](HttpRequest&&, Responder respond) {
    std::lock_guard<std::mutex> lock(kept_mu);
    kept = std::move(respond);
  };
  std::thread client([&] {
    auto r = silt::testing::HttpRequest("127.0.0.1", port(), "GET", "/x", "",
                                        {}, 3000);
    (void)r;
  });
  while (calls_.load() == 0) std::this_thread::sleep_for(5ms);
  std::thread stopper([&] { server_->Stop(); });
  std::this_thread::sleep_for(100ms);
  {
    std::lock_guard<std::mutex> lock(kept_mu);
    kept(HttpResponse{});  // unblocks Stop
  }
  stopper.join();
  client.join();
  server_.reset();
  HttpResponse late;
  kept(std::move(late));  // ignored: already answered
}

TEST_F(HttpServerTest, BadListenAddress) {
  EXPECT_EQ(
      HttpServer::Start({.listen = "nope"}, [](HttpRequest&&, Responder) {})
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
}

TEST(UrlEncodeTest, EncodesReserved) {
  EXPECT_EQ(silt::testing::UrlEncode("{app=\"a b\"}|~`x`"),
            "%7Bapp%3D%22a%20b%22%7D%7C~%60x%60");
  EXPECT_EQ(silt::testing::UrlEncode("AZaz09-_.~"), "AZaz09-_.~");
}

}  // namespace
}  // namespace silt::server

namespace silt::server {
namespace {

TEST_F(HttpServerTest, ClientThatHangsUpCancelsItsRequest) {
  std::atomic<bool> saw_cancel{false};
  std::atomic<bool> handler_started{false};
  handler_ = [&](HttpRequest&& req, Responder respond) {
    handler_started = true;
    auto cancelled = req.cancelled;
    threads_.emplace_back(
        [cancelled, respond = std::move(respond), &saw_cancel] {
          for (int i = 0; i < 500 && !cancelled->load(); ++i) {
            std::this_thread::sleep_for(10ms);
          }
          saw_cancel = cancelled->load();
          HttpResponse r;
          r.status = 200;
          respond(std::move(r));
        });
  };
  StartServer();
  TcpClient c;
  ASSERT_TRUE(c.Connect(port()).ok());
  ASSERT_TRUE(c.SendAll("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n").ok());
  for (int i = 0; i < 200 && !handler_started; ++i)
    std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(handler_started);
  c.Close();
  for (int i = 0; i < 300 && !saw_cancel; ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(saw_cancel);
  // A client that waits is not cancelled, and keep-alive still works.
  saw_cancel = false;
  handler_ = [&](HttpRequest&& req, Responder respond) {
    EXPECT_FALSE(req.cancelled->load());
    auto cancelled = req.cancelled;
    threads_.emplace_back([cancelled, respond = std::move(respond)] {
      std::this_thread::sleep_for(100ms);
      HttpResponse r;
      r.status = cancelled->load() ? 499 : 200;
      r.body = "done";
      respond(std::move(r));
    });
  };
  TcpClient k;
  ASSERT_TRUE(k.Connect(port()).ok());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(k.SendAll("GET /x HTTP/1.1\r\nHost: x\r\n\r\n").ok());
    std::string got = k.ReadUntil("done", 1, 5000);
    EXPECT_NE(got.find("HTTP/1.1 200"), std::string::npos) << got;
  }
}

}  // namespace
}  // namespace silt::server
