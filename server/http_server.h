// A small HTTP/1.1 server on Boost.Beast: keep-alive, body size limit,
// gzip request bodies decoded, async responses (a handler may answer later,
// from any thread, e.g. once entries are durable). Asio stays out of this
// header. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace silt::server {

using Params = std::multimap<std::string, std::string>;

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: path?query
  std::string path;    // decoded path without the query
  Params params;       // query string, plus form fields of an
                       // application/x-www-form-urlencoded POST body
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;  // already gunzipped if Content-Encoding: gzip
  // Turns true if the client closes its connection (or half-closes it)
  // before the answer is written: a slow handler may stop early.
  std::shared_ptr<const std::atomic<bool>> cancelled;
  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
  // First value of a parameter, or "".
  std::string Param(const std::string& name) const {
    auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Must be called exactly once per request, from any thread. Later calls are
// ignored; if every copy is destroyed uncalled the client gets a 500.
using Responder = std::function<void(HttpResponse)>;
// Runs on an io thread: it must not block (hand slow work to another thread
// and answer through the Responder). An exception it throws is logged and
// answered 500.
using HttpHandler = std::function<void(HttpRequest&& req, Responder respond)>;

// One accepted websocket (RFC 6455) connection, text messages only.
// Thread-safe; Asio stays inside the implementation.
class WebsocketConnection {
 public:
  virtual ~WebsocketConnection() = default;
  // Queues a text message. False once the connection is closing.
  virtual bool Send(std::string text) = 0;
  // Sends a close frame (normal closure, or 1011 with `reason`).
  virtual void Close(std::string reason = "") = 0;
  // Bytes queued and not yet written (a slow client).
  virtual size_t queued_bytes() const = 0;
  // `fn` runs once when the connection ends, for whatever reason
  // (immediately if it already has). Call at most once.
  virtual void OnClosed(std::function<void()> fn) = 0;
};

// Takes a websocket upgrade request: `conn` is open; keep it (and close it)
// as long as wanted. Runs on an io thread: must not block.
using WebsocketHandler = std::function<void(
    HttpRequest&& req, std::shared_ptr<WebsocketConnection> conn)>;

struct HttpServerOptions {
  std::string listen = "127.0.0.1:3100";  // port 0 picks one
  size_t max_body_bytes = 64u << 20;      // after gunzip too; 413 past it
  int threads = 2;
  int idle_timeout_s = 120;
};

class HttpServer {
 public:
  // A bad gzip body is answered 400 and a too large one 413 without calling
  // the handler. Websocket upgrades go to `ws_handler`, or get 400 if null.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const HttpServerOptions& options, HttpHandler handler,
      WebsocketHandler ws_handler = nullptr);
  ~HttpServer();
  uint16_t port() const;
  // Stops accepting; waits for requests in flight to be answered.
  void Stop();

 private:
  struct Rep;
  explicit HttpServer(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace silt::server
