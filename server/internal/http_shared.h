// State shared by an HttpServer's acceptor, its sessions and the responders
// of requests in flight (which may be called after the server is gone):
// the handler, the live sessions, and the count of requests not yet
// answered. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "server/http_server.h"

namespace silt::server::internal {

class HttpSession;
class WsSession;

struct HttpShared {
  HttpShared(const HttpServerOptions& o, HttpHandler h, WebsocketHandler w)
      : options(o), handler(std::move(h)), ws_handler(std::move(w)) {}

  const HttpServerOptions options;
  const HttpHandler handler;
  const WebsocketHandler ws_handler;

  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;  // new requests are refused (503)
  bool io_gone = false;   // responders must not post any more
  int inflight = 0;       // requests handed to the handler, reply not written
  // Owns the live sessions: a session waiting for its handler has no
  // operation in flight that would keep it alive.
  std::map<HttpSession*, std::shared_ptr<HttpSession>> sessions;
  // Open websockets, closed at Stop().
  std::map<WsSession*, std::weak_ptr<WsSession>> websockets;

  void RequestDone() {
    std::lock_guard<std::mutex> lock(mu);
    --inflight;
    cv.notify_all();
  }
};

}  // namespace silt::server::internal
