#include "server/internal/http_session.h"

#include <atomic>
#include <chrono>
#include <exception>

#include "absl/strings/ascii.h"
#include "common/gzip.h"
#include "common/log.h"
#include "server/internal/http_util.h"
#include "server/internal/ws_session.h"

namespace silt::server::internal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

namespace {

constexpr size_t kHeaderLimit = 64 * 1024;

// Shared by the copies of one request's Responder. Delivers the first
// response and drops the rest; if every copy is destroyed unanswered (a
// handler bug), the client still gets a 500.
struct ResponderState {
  ResponderState(std::shared_ptr<HttpShared> s, std::weak_ptr<HttpSession> w)
      : shared(std::move(s)), session(std::move(w)) {}
  ~ResponderState() {
    if (!done.load()) {
      HttpResponse r;
      r.status = 500;
      r.content_type = "text/plain; charset=utf-8";
      r.body = "request dropped without a response\n";
      Deliver(std::move(r));
    }
  }

  void Deliver(HttpResponse response) {
    if (done.exchange(true)) return;
    std::lock_guard<std::mutex> lock(shared->mu);
    // Taken and released under the mutex: Stop() sets io_gone under it
    // before the io_context goes away.
    std::shared_ptr<HttpSession> s;
    if (!shared->io_gone) s = session.lock();
    if (!s) {
      --shared->inflight;
      shared->cv.notify_all();
      return;
    }
    asio::post(s->executor(), [s, r = std::move(response)]() mutable {
      s->Respond(std::move(r));
    });
  }

  std::shared_ptr<HttpShared> shared;
  std::weak_ptr<HttpSession> session;
  std::atomic<bool> done{false};
};

bool IsDisconnect(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == beast::error::timeout || ec == asio::error::operation_aborted ||
         ec == asio::error::connection_reset ||
         ec == asio::error::bad_descriptor;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  absl::AsciiStrToLower(&out);
  return out;
}

}  // namespace

HttpSession::HttpSession(asio::ip::tcp::socket socket,
                         std::shared_ptr<HttpShared> shared)
    : stream_(std::move(socket)), shared_(std::move(shared)) {}

void HttpSession::Start() {
  // Beast reads max(512, free capacity) bytes at a time: without room in the
  // buffer a large body comes in 512-byte reads, each a syscall, a timer
  // update and an executor hop (a third of the CPU of a 500 KB push).
  buffer_.reserve(64 << 10);
  asio::post(executor(), [self = shared_from_this()] { self->ReadHeader(); });
}

void HttpSession::Close() {
  asio::post(executor(), [self = shared_from_this()] { self->Shutdown(); });
}

void HttpSession::ReadHeader() {
  if (closed_) return;
  parser_.emplace();
  parser_->header_limit(kHeaderLimit);
  parser_->body_limit(shared_->options.max_body_bytes);
  stream_.expires_after(std::chrono::seconds(shared_->options.idle_timeout_s));
  http::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](const beast::error_code& ec, size_t) {
        self->OnHeader(ec);
      });
}

void HttpSession::OnHeader(const beast::error_code& ec) {
  if (ec) {
    if (IsDisconnect(ec)) return Shutdown();
    if (ec == http::error::body_limit) {
      return Reject(413, "request body larger than " +
                             std::to_string(shared_->options.max_body_bytes) +
                             " bytes");
    }
    if (ec == http::error::header_limit) {
      return Reject(431, "request header too large");
    }
    return Reject(400, "malformed request: " + ec.message());
  }
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    if (shared_->stopping) return Reject(503, "server is shutting down");
  }
  auto& req = parser_->get();
  if (boost::beast::websocket::is_upgrade(req)) return Upgrade();
  auto expect = req.find(http::field::expect);
  if (expect != req.end() && beast::iequals(expect->value(), "100-continue") &&
      !parser_->is_done()) {
    auto cont = std::make_shared<http::response<http::empty_body>>(
        http::status::continue_, req.version());
    http::async_write(stream_, *cont,
                      [self = shared_from_this(), cont](
                          const beast::error_code& wec, size_t) {
                        if (wec) return self->Shutdown();
                        self->ReadBody();
                      });
    return;
  }
  ReadBody();
}

void HttpSession::ReadBody() {
  if (parser_->is_done()) return Dispatch();
  stream_.expires_after(std::chrono::seconds(shared_->options.idle_timeout_s));
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](const beast::error_code& ec,
                                               size_t) { self->OnBody(ec); });
}

void HttpSession::OnBody(const beast::error_code& ec) {
  if (ec) {
    if (ec == http::error::body_limit) {
      return Reject(413, "request body larger than " +
                             std::to_string(shared_->options.max_body_bytes) +
                             " bytes");
    }
    if (IsDisconnect(ec) || ec == http::error::partial_message) {
      return Shutdown();
    }
    return Reject(400, "malformed request body: " + ec.message());
  }
  Dispatch();
}

HttpRequest HttpSession::Decode() {
  auto& req = parser_->get();
  HttpRequest r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  std::string_view target = r.target;
  size_t q = target.find('?');
  r.path = PercentDecode(target.substr(0, q), /*plus_is_space=*/false);
  if (q != std::string_view::npos) ParseQuery(target.substr(q + 1), &r.params);
  for (const auto& field : req) {
    std::string name = Lower(std::string_view(field.name_string().data(),
                                              field.name_string().size()));
    std::string value(field.value());
    auto [it, inserted] = r.headers.emplace(std::move(name), value);
    if (!inserted) it->second += ", " + value;
  }
  return r;
}

void HttpSession::Upgrade() {
  if (!shared_->ws_handler) {
    return Reject(400, "websocket upgrades are not served on " +
                           std::string(parser_->get().target()));
  }
  HttpRequest r = Decode();
  auto ws = std::make_shared<WsSession>(std::move(stream_), shared_);
  ws->Start(parser_->release(), std::move(r));
  parser_.reset();
  // The socket belongs to the websocket now: forget this session.
  closed_ = true;
  std::shared_ptr<HttpSession> self;
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    auto it = shared_->sessions.find(this);
    if (it != shared_->sessions.end()) {
      self = std::move(it->second);
      shared_->sessions.erase(it);
    }
    shared_->cv.notify_all();
  }
}

void HttpSession::Dispatch() {
  auto& req = parser_->get();
  HttpRequest r = Decode();
  r.body = std::move(req.body());

  std::string encoding = Lower(r.Header("content-encoding"));
  if (encoding == "gzip" || encoding == "x-gzip" || encoding == "deflate") {
    if (!r.body.empty()) {
      auto plain = GzipDecompress(r.body, shared_->options.max_body_bytes);
      if (!plain.ok()) {
        if (absl::IsResourceExhausted(plain.status())) {
          return Reject(413,
                        "request body larger than " +
                            std::to_string(shared_->options.max_body_bytes) +
                            " bytes after decompression");
        }
        return Reject(400, "bad " + encoding + " body: " +
                               std::string(plain.status().message()));
      }
      r.body = std::move(*plain);
    }
  } else if (!encoding.empty() && encoding != "identity" &&
             encoding != "snappy") {
    // snappy is left to the handler: Loki's protobuf push body is always
    // snappy, with or without the header.
    return Reject(415, "unsupported Content-Encoding: " + encoding);
  }

  std::string content_type = Lower(r.Header("content-type"));
  content_type = content_type.substr(0, content_type.find(';'));
  absl::StripAsciiWhitespace(&content_type);
  if (r.method == "POST" &&
      content_type == "application/x-www-form-urlencoded") {
    ParseQuery(r.body, &r.params);
  }

  keep_alive_ = req.keep_alive();
  version_ = req.version();
  parser_.reset();
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    ++shared_->inflight;
  }
  // The handler may take its time; the idle timeout covers reads and writes.
  stream_.expires_never();
  auto state = std::make_shared<ResponderState>(shared_, weak_from_this());
  Responder respond = [state](HttpResponse response) {
    state->Deliver(std::move(response));
  };
  cancelled_ = std::make_shared<std::atomic<bool>>(false);
  r.cancelled = cancelled_;
  try {
    shared_->handler(std::move(r), std::move(respond));
  } catch (const std::exception& e) {
    // The responder state answers 500 if the handler did not.
    LogError("http handler threw", {{"error", e.what()}});
  } catch (...) {
    LogError("http handler threw");
  }
  Monitor();
}

void HttpSession::Monitor() {
  // Bytes already here are the next pipelined request: the client is
  // still there, and reading more would mix them up.
  if (closed_ || buffer_.size() > 0) return;
  monitoring_ = true;
  stream_.async_read_some(
      buffer_.prepare(4096),
      [self = shared_from_this()](const beast::error_code& ec, size_t n) {
        self->OnMonitor(ec, n);
      });
}

void HttpSession::OnMonitor(const beast::error_code& ec, size_t n) {
  monitoring_ = false;
  if (!ec) {
    buffer_.commit(n);  // a pipelined request: kept for ReadHeader
  } else if (ec != asio::error::operation_aborted) {
    // EOF, reset: nobody will read the answer. (Go's net/http cancels a
    // half-closed request the same way.)
    peer_gone_ = true;
    if (cancelled_) cancelled_->store(true);
  }
  Then then = then_;
  then_ = Then::kNothing;
  switch (then) {
    case Then::kNothing:
      return;
    case Then::kReadHeader:
      if (peer_gone_) return Shutdown();
      return ReadHeader();
    case Then::kLinger:
      return Linger();
    case Then::kShutdown:
      return Shutdown();
  }
}

void HttpSession::Respond(HttpResponse response) {
  if (closed_) {
    shared_->RequestDone();
    return;
  }
  bool close = !keep_alive_;
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    if (shared_->stopping) close = true;
  }
  Write(response.status, response.content_type, std::move(response.body),
        response.headers, close, /*counted=*/true);
}

void HttpSession::Reject(int status, std::string message) {
  parser_.reset();
  Write(status, "text/plain; charset=utf-8", message + "\n", {},
        /*close=*/true, /*counted=*/false);
}

void HttpSession::Write(
    int status, const std::string& content_type, std::string body,
    const std::vector<std::pair<std::string, std::string>>& headers, bool close,
    bool counted) {
  res_ = std::make_shared<http::response<http::string_body>>();
  res_->version(version_);
  res_->result(static_cast<unsigned>(status));
  res_->set(http::field::server, "silt");
  if (!content_type.empty()) res_->set(http::field::content_type, content_type);
  for (const auto& [name, value] : headers) res_->set(name, value);
  res_->body() = std::move(body);
  res_->keep_alive(!close);
  res_->prepare_payload();
  stream_.expires_after(std::chrono::seconds(shared_->options.idle_timeout_s));
  http::async_write(stream_, *res_,
                    [self = shared_from_this(), close, counted](
                        const beast::error_code& ec, size_t) {
                      self->OnWrite(close, counted, ec);
                    });
}

void HttpSession::OnWrite(bool close, bool counted,
                          const beast::error_code& ec) {
  res_.reset();
  if (counted) shared_->RequestDone();
  Then then = ec || peer_gone_ ? Then::kShutdown
              : close          ? Then::kLinger
                               : Then::kReadHeader;
  if (monitoring_) {
    // The pending read must finish before another starts.
    then_ = then;
    beast::error_code ignored;
    stream_.socket().cancel(ignored);
    return;
  }
  switch (then) {
    case Then::kShutdown:
      return Shutdown();
    case Then::kLinger:
      return Linger();
    default:
      return ReadHeader();
  }
}

void HttpSession::Linger() {
  if (!lingering_) {
    lingering_ = true;
    beast::error_code ignored;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    // One deadline for the whole drain, so a trickling client cannot keep
    // the connection.
    stream_.expires_after(std::chrono::seconds(2));
  }
  stream_.async_read_some(
      asio::buffer(drain_),
      [self = shared_from_this()](const beast::error_code& ec, size_t) {
        if (ec) return self->Shutdown();
        self->Linger();
      });
}

void HttpSession::Shutdown() {
  if (closed_) return;
  closed_ = true;
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  stream_.close();
  std::shared_ptr<HttpSession> self;  // released after the mutex
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    auto it = shared_->sessions.find(this);
    if (it != shared_->sessions.end()) {
      self = std::move(it->second);
      shared_->sessions.erase(it);
    }
    shared_->cv.notify_all();
  }
}

}  // namespace silt::server::internal
