#include "server/internal/ws_session.h"

#include "common/log.h"

namespace silt::server::internal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

WsSession::WsSession(beast::tcp_stream stream,
                     std::shared_ptr<HttpShared> shared)
    : ws_(std::move(stream)), shared_(std::move(shared)) {}

WsSession::~WsSession() = default;

void WsSession::Start(Request req, HttpRequest http_req) {
  beast::get_lowest_layer(ws_).expires_never();
  // Pings every 30 s keep proxies from cutting a quiet tail; a peer that
  // does not answer within the idle timeout is gone.
  websocket::stream_base::timeout t{};
  t.handshake_timeout = std::chrono::seconds(30);
  t.idle_timeout =
      std::chrono::seconds(std::max(60, shared_->options.idle_timeout_s));
  t.keep_alive_pings = true;
  ws_.set_option(t);
  ws_.set_option(
      websocket::stream_base::decorator([](websocket::response_type& res) {
        res.set(beast::http::field::server, "silt");
      }));
  auto req_ptr = std::make_shared<Request>(std::move(req));
  auto http = std::make_shared<HttpRequest>(std::move(http_req));
  ws_.async_accept(*req_ptr, [self = shared_from_this(), req_ptr,
                              http](const beast::error_code& ec) {
    if (ec) return self->Finish();
    {
      std::lock_guard<std::mutex> l(self->shared_->mu);
      if (self->shared_->stopping) {
        self->Close("server is shutting down");
        return;
      }
      self->shared_->websockets.emplace(self.get(), self);
    }
    self->Read();
    try {
      self->shared_->ws_handler(std::move(*http), self);
    } catch (const std::exception& e) {
      LogError("websocket handler threw", {{"error", e.what()}});
      self->Close("internal error");
    }
  });
}

void WsSession::Read() {
  ws_.async_read(read_buf_, [self = shared_from_this()](
                                const beast::error_code& ec, size_t) {
    // The tail protocol has nothing for the client to say: messages are
    // dropped; an error or a close frame ends the connection.
    if (ec) return self->Finish();
    self->read_buf_.consume(self->read_buf_.size());
    self->Read();
  });
}

bool WsSession::Send(std::string text) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (closing_ || finished_) return false;
    queued_ += text.size();
    queue_.push_back(std::move(text));
    if (writing_) return true;
    writing_ = true;
  }
  asio::post(ws_.get_executor(),
             [self = shared_from_this()] { self->WriteNext(); });
  return true;
}

void WsSession::WriteNext() {
  std::string* msg = nullptr;
  bool close = false;
  std::string reason;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (finished_) return;
    if (queue_.empty()) {
      writing_ = false;
      close = closing_;
      reason = close_reason_;
      if (!close) return;
      writing_ = true;
    } else {
      msg = &queue_.front();
    }
  }
  if (close) {
    websocket::close_reason cr(reason.empty()
                                   ? websocket::close_code::normal
                                   : websocket::close_code::internal_error);
    if (!reason.empty()) cr.reason = reason.substr(0, 120);
    ws_.async_close(cr, [self = shared_from_this()](const beast::error_code&) {
      self->Finish();
    });
    return;
  }
  ws_.text(true);
  ws_.async_write(asio::buffer(*msg), [self = shared_from_this()](
                                          const beast::error_code& ec, size_t) {
    {
      std::lock_guard<std::mutex> l(self->mu_);
      self->queued_ -= self->queue_.front().size();
      self->queue_.pop_front();
      if (self->finished_) return;
    }
    if (ec) return self->Finish();
    self->WriteNext();
  });
}

void WsSession::Close(std::string reason) {
  bool start = false;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (closing_ || finished_) return;
    closing_ = true;
    close_reason_ = std::move(reason);
    if (!writing_) {
      writing_ = true;
      start = true;
    }
  }
  if (start) {
    asio::post(ws_.get_executor(),
               [self = shared_from_this()] { self->WriteNext(); });
  }
}

size_t WsSession::queued_bytes() const {
  std::lock_guard<std::mutex> l(mu_);
  return queued_;
}

void WsSession::OnClosed(std::function<void()> fn) {
  bool now = false;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (finished_) {
      now = true;
    } else {
      on_closed_ = std::move(fn);
    }
  }
  if (now) fn();
}

void WsSession::Finish() {
  std::function<void()> fn;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (finished_) return;
    finished_ = true;
    fn = std::move(on_closed_);
    // The queue stays: a write in flight still reads its front.
  }
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().shutdown(
      asio::ip::tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(ws_).close();
  {
    std::lock_guard<std::mutex> l(shared_->mu);
    shared_->websockets.erase(this);
    shared_->cv.notify_all();
  }
  if (fn) fn();
}

}  // namespace silt::server::internal
