#include "tests/testing/http_client.h"

#include <utility>
// Must follow <utility> (Boost 1.74's asio/awaitable.hpp needs it).
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <optional>

#include "absl/strings/ascii.h"

namespace silt::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using asio::ip::tcp;

absl::StatusOr<HttpResult> HttpRequest(const std::string& host, uint16_t port,
                                       const std::string& method,
                                       const std::string& target,
                                       const std::string& body,
                                       const HttpHeaders& headers,
                                       int timeout_ms) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::flat_buffer buffer;
  http::request<http::string_body> req;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1ull << 32);
  beast::error_code result_ec;
  bool done = false;

  boost::system::error_code addr_ec;
  auto addr =
      asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, addr_ec);
  if (addr_ec) return absl::InvalidArgumentError("bad host: " + host);
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, host + ":" + std::to_string(port));
  req.set(http::field::user_agent, "silt-test");
  bool has_content_type = false;
  for (const auto& [name, value] : headers) {
    req.set(name, value);
    std::string lower = name;
    absl::AsciiStrToLower(&lower);
    if (lower == "content-type") has_content_type = true;
  }
  if (!body.empty() && !has_content_type) {
    req.set(http::field::content_type, "application/json");
  }
  req.body() = body;
  req.prepare_payload();

  stream.expires_after(std::chrono::milliseconds(timeout_ms));
  stream.async_connect(tcp::endpoint(addr, port), [&](beast::error_code ec) {
    if (ec) {
      result_ec = ec;
      done = true;
      return;
    }
    http::async_write(stream, req, [&](beast::error_code wec, size_t) {
      if (wec) {
        result_ec = wec;
        done = true;
        return;
      }
      http::async_read(stream, buffer, parser,
                       [&](beast::error_code rec, size_t) {
                         result_ec = rec;
                         done = true;
                       });
    });
  });
  io.run();
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  if (!done || result_ec == beast::error::timeout) {
    return absl::DeadlineExceededError("http " + method + " " + target +
                                       ": timed out");
  }
  if (result_ec) {
    return absl::UnavailableError("http " + method + " " + target + ": " +
                                  result_ec.message());
  }
  auto& res = parser.get();
  HttpResult out;
  out.status = static_cast<int>(res.result_int());
  out.body = std::move(res.body());
  for (const auto& field : res) {
    std::string name(field.name_string());
    absl::AsciiStrToLower(&name);
    out.headers[name] = std::string(field.value());
  }
  return out;
}

absl::StatusOr<HttpResult> HttpGet(const std::string& host, uint16_t port,
                                   const std::string& target,
                                   const HttpHeaders& headers) {
  return HttpRequest(host, port, "GET", target, "", headers);
}

absl::StatusOr<HttpResult> HttpPost(const std::string& host, uint16_t port,
                                    const std::string& target,
                                    const std::string& body,
                                    const HttpHeaders& headers) {
  return HttpRequest(host, port, "POST", target, body, headers);
}

std::string UrlEncode(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' ||
        c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace silt::testing
