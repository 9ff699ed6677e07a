// One HTTP/1.1 connection of an HttpServer: reads a request (header, then
// body, answering "Expect: 100-continue"), decodes it into an HttpRequest,
// calls the handler, and writes the response whenever the Responder is
// called; then the next request on a keep-alive connection. Every method
// runs on the session's strand.
//
// A websocket upgrade (Loki tail) is handed to a WsSession in OnHeader().
// While a handler works on a request, a read stays pending so a client
// that goes away marks the request cancelled.
#pragma once

#include <memory>
#include <optional>

#include "server/http_server.h"
#include "server/internal/http_beast.h"
#include "server/internal/http_shared.h"

namespace silt::server::internal {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(boost::asio::ip::tcp::socket socket,
              std::shared_ptr<HttpShared> shared);

  void Start();
  boost::asio::any_io_executor executor() { return stream_.get_executor(); }
  // Delivers a response (from the Responder, posted to the strand).
  void Respond(HttpResponse response);
  // Stop(): closes the connection.
  void Close();

 private:
  using Parser =
      boost::beast::http::request_parser<boost::beast::http::string_body>;

  void ReadHeader();
  void OnHeader(const boost::beast::error_code& ec);
  void ReadBody();
  void OnBody(const boost::beast::error_code& ec);
  void Dispatch();
  // Decodes the parsed request (path, query, headers) without the body.
  HttpRequest Decode();
  void Upgrade();
  // Watches the socket while the handler works: EOF or an error cancels
  // the request.
  void Monitor();
  void OnMonitor(const boost::beast::error_code& ec, size_t n);
  // Answers without calling the handler (4xx/5xx); closes afterwards.
  void Reject(int status, std::string message);
  void Write(int status, const std::string& content_type, std::string body,
             const std::vector<std::pair<std::string, std::string>>& headers,
             bool close, bool counted);
  void OnWrite(bool close, bool counted, const boost::beast::error_code& ec);
  // After a final response: stop sending, discard what the client still
  // sends for a moment so closing does not reset the connection (and lose
  // the response), then close.
  void Linger();
  void Shutdown();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<Parser> parser_;
  std::shared_ptr<HttpShared> shared_;
  std::shared_ptr<boost::beast::http::response<boost::beast::http::string_body>>
      res_;
  bool keep_alive_ = false;
  unsigned version_ = 11;
  bool closed_ = false;
  bool lingering_ = false;
  std::shared_ptr<std::atomic<bool>> cancelled_;
  bool monitoring_ = false;  // a Monitor() read is pending
  bool peer_gone_ = false;   // the client closed (or half-closed)
  // What OnWrite wanted to do next while a Monitor() read was pending.
  enum class Then { kNothing, kReadHeader, kLinger, kShutdown };
  Then then_ = Then::kNothing;
  char drain_[4096];
};

}  // namespace silt::server::internal
