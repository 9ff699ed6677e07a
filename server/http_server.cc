#include "server/http_server.h"

#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "common/log.h"
#include "ingest/listener.h"
#include "server/internal/http_beast.h"
#include "server/internal/http_session.h"
#include "server/internal/http_shared.h"
#include "server/internal/http_util.h"
#include "server/internal/ws_session.h"

namespace silt::server {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;
using internal::HttpSession;
using internal::HttpShared;

namespace {
// How long Stop() waits for requests in flight to be answered.
constexpr auto kStopWait = std::chrono::seconds(30);
}  // namespace

struct HttpServer::Rep {
  Rep(const HttpServerOptions& options, HttpHandler handler,
      WebsocketHandler ws_handler)
      : shared(std::make_shared<HttpShared>(options, std::move(handler),
                                            std::move(ws_handler))),
        accept_strand(asio::make_strand(io)),
        acceptor(accept_strand),
        retry_timer(accept_strand) {}

  void Accept();

  asio::io_context io;
  std::shared_ptr<HttpShared> shared;
  asio::strand<asio::io_context::executor_type> accept_strand;
  tcp::acceptor acceptor;
  asio::steady_timer retry_timer;
  std::vector<std::thread> threads;
  uint16_t port = 0;
  std::mutex stop_mu;
  bool stopped = false;
};

void HttpServer::Rep::Accept() {
  acceptor.async_accept(
      asio::make_strand(io), [this](const error_code& ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) {
          return;
        }
        if (ec) {
          LogWarn("http accept failed", {{"error", ec.message()}});
          retry_timer.expires_after(std::chrono::milliseconds(100));
          retry_timer.async_wait([this](const error_code& tec) {
            if (!tec && acceptor.is_open()) Accept();
          });
          return;
        }
        auto session = std::make_shared<HttpSession>(std::move(socket), shared);
        bool accepted = false;
        {
          std::lock_guard<std::mutex> lock(shared->mu);
          if (!shared->stopping) {
            shared->sessions.emplace(session.get(), session);
            accepted = true;
          }
        }
        if (accepted) session->Start();
        Accept();
      });
}

HttpServer::HttpServer(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}

HttpServer::~HttpServer() { Stop(); }

uint16_t HttpServer::port() const { return rep_->port; }

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    const HttpServerOptions& options, HttpHandler handler,
    WebsocketHandler ws_handler) {
  if (!handler)
    return absl::InvalidArgumentError("http server needs a handler");
  auto rep =
      std::make_unique<Rep>(options, std::move(handler), std::move(ws_handler));
  absl::Status listen_status =
      ingest::OpenAcceptor(&rep->acceptor, options.listen, "http");
  if (!listen_status.ok()) return listen_status;
  error_code ec;
  rep->port = rep->acceptor.local_endpoint(ec).port();

  Rep* r = rep.get();
  asio::post(r->accept_strand, [r] { r->Accept(); });
  ingest::StartIoThreads(&r->io, options.threads, "http", &r->threads);
  LogInfo("http listening",
          {{"addr", options.listen}, {"port", std::to_string(r->port)}});
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(rep)));
}

void HttpServer::Stop() {
  std::lock_guard<std::mutex> stop_lock(rep_->stop_mu);
  if (rep_->stopped) return;
  rep_->stopped = true;
  Rep* r = rep_.get();
  HttpShared& sh = *r->shared;
  {
    std::lock_guard<std::mutex> lock(sh.mu);
    sh.stopping = true;
  }
  std::promise<void> closed;
  asio::post(r->accept_strand, [r, &closed] {
    error_code ignored;
    r->acceptor.close(ignored);
    r->retry_timer.cancel();
    closed.set_value();
  });
  closed.get_future().wait();

  // Websockets (tails) last forever otherwise: close them first.
  std::vector<std::shared_ptr<internal::WsSession>> websockets;
  {
    std::lock_guard<std::mutex> lock(sh.mu);
    for (auto& [raw, w] : sh.websockets) {
      if (auto s = w.lock()) websockets.push_back(std::move(s));
    }
  }
  for (auto& w : websockets) w->Close("server is shutting down");
  websockets.clear();
  {
    std::unique_lock<std::mutex> lock(sh.mu);
    sh.cv.wait_until(lock,
                     std::chrono::steady_clock::now() + std::chrono::seconds(2),
                     [&] { return sh.websockets.empty(); });
  }
  std::vector<std::shared_ptr<HttpSession>> sessions;
  {
    std::unique_lock<std::mutex> lock(sh.mu);
    if (!sh.cv.wait_until(lock, std::chrono::steady_clock::now() + kStopWait,
                          [&] { return sh.inflight == 0; })) {
      LogWarn("http stop: requests still in flight after the wait",
              {{"inflight", std::to_string(sh.inflight)}});
    }
    for (auto& [raw, s] : sh.sessions) sessions.push_back(s);
  }
  for (auto& s : sessions) s->Close();
  sessions.clear();
  {
    std::unique_lock<std::mutex> lock(sh.mu);
    sh.cv.wait_until(lock,
                     std::chrono::steady_clock::now() + std::chrono::seconds(2),
                     [&] { return sh.sessions.empty(); });
    sh.io_gone = true;
  }
  r->io.stop();
  for (auto& t : r->threads) t.join();
  r->threads.clear();
  std::map<HttpSession*, std::shared_ptr<HttpSession>> left;
  {
    std::lock_guard<std::mutex> lock(sh.mu);
    left.swap(sh.sessions);
  }
  left.clear();  // sockets close while the io_context still exists
}

}  // namespace silt::server
