#include "tests/testing/ws_client.h"

#include <utility>
// Must follow <utility> (Boost 1.74's asio/awaitable.hpp).
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>

namespace silt::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

struct WsClient::Rep {
  asio::io_context io;
  websocket::stream<beast::tcp_stream> ws{io};
  beast::flat_buffer buf;
  bool broken = false;
};

WsClient::WsClient(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
WsClient::~WsClient() { Close(); }

absl::StatusOr<std::unique_ptr<WsClient>> WsClient::Connect(
    const std::string& host, uint16_t port, const std::string& target,
    const std::map<std::string, std::string>& headers) {
  auto rep = std::make_unique<Rep>();
  beast::error_code ec;
  asio::ip::tcp::endpoint ep(asio::ip::make_address(host, ec), port);
  if (ec) return absl::InvalidArgumentError("bad host " + host);
  beast::get_lowest_layer(rep->ws).expires_after(std::chrono::seconds(10));
  beast::get_lowest_layer(rep->ws).socket().connect(ep, ec);
  if (ec) return absl::UnavailableError("connect: " + ec.message());
  rep->ws.set_option(websocket::stream_base::decorator(
      [headers](websocket::request_type& req) {
        for (const auto& [k, v] : headers) req.set(k, v);
      }));
  rep->ws.handshake(host + ":" + std::to_string(port), target, ec);
  if (ec) return absl::UnavailableError("handshake: " + ec.message());
  return std::unique_ptr<WsClient>(new WsClient(std::move(rep)));
}

absl::StatusOr<std::string> WsClient::Read(int timeout_ms) {
  if (rep_->broken) return absl::UnavailableError("connection broken");
  bool done = false;
  beast::error_code ec;
  rep_->buf.clear();
  rep_->ws.async_read(rep_->buf, [&](const beast::error_code& e, size_t) {
    ec = e;
    done = true;
  });
  rep_->io.restart();
  rep_->io.run_for(std::chrono::milliseconds(timeout_ms));
  if (!done) {
    rep_->broken = true;
    beast::get_lowest_layer(rep_->ws).cancel();
    rep_->io.restart();
    rep_->io.run();
    return absl::DeadlineExceededError("no message within " +
                                       std::to_string(timeout_ms) + " ms");
  }
  if (ec) {
    rep_->broken = true;
    const auto& reason = rep_->ws.reason();
    return absl::UnavailableError(
        "closed: " + ec.message() + " code " + std::to_string(reason.code) +
        " " + std::string(reason.reason.data(), reason.reason.size()));
  }
  return beast::buffers_to_string(rep_->buf.data());
}

void WsClient::Close() {
  if (rep_ == nullptr || rep_->broken) return;
  rep_->broken = true;
  beast::error_code ec;
  beast::get_lowest_layer(rep_->ws).expires_after(std::chrono::seconds(2));
  rep_->ws.close(websocket::close_code::normal, ec);
}

}  // namespace silt::testing
