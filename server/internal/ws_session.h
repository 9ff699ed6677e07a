// One websocket connection of an HttpServer (Loki's tail): accepts the
// upgrade, keeps a read going (answering pings, noticing the close), and
// writes queued text messages one at a time. Every Asio call runs on the
// connection's strand; Send/Close may be called from any thread.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "server/http_server.h"
#include "server/internal/http_beast.h"
#include "server/internal/http_shared.h"

namespace silt::server::internal {

class WsSession : public WebsocketConnection,
                  public std::enable_shared_from_this<WsSession> {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  WsSession(boost::beast::tcp_stream stream,
            std::shared_ptr<HttpShared> shared);
  ~WsSession() override;

  // Completes the handshake for `req`, then hands the connection (and
  // `http_req`) to the shared websocket handler.
  void Start(Request req, HttpRequest http_req);

  bool Send(std::string text) override;
  void Close(std::string reason) override;
  size_t queued_bytes() const override;
  void OnClosed(std::function<void()> fn) override;

 private:
  void Read();
  void WriteNext();
  void Finish();  // the connection is over

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  std::shared_ptr<HttpShared> shared_;
  boost::beast::flat_buffer read_buf_;

  mutable std::mutex mu_;  // guards the fields below
  std::deque<std::string> queue_;
  size_t queued_ = 0;
  bool writing_ = false;
  bool closing_ = false;
  bool finished_ = false;
  std::string close_reason_;
  std::function<void()> on_closed_;
};

}  // namespace silt::server::internal
