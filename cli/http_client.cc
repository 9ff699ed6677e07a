#include "cli/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "absl/strings/str_cat.h"

namespace silt::cli {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

absl::StatusOr<Endpoint> ParseAddr(const std::string& addr) {
  std::string s = addr;
  if (s.rfind("http://", 0) == 0) s = s.substr(7);
  if (s.rfind("https://", 0) == 0) {
    return absl::InvalidArgumentError("https is not supported: " + addr);
  }
  size_t slash = s.find('/');
  if (slash != std::string::npos) s = s.substr(0, slash);
  Endpoint ep;
  size_t colon = s.rfind(':');
  if (colon == std::string::npos) {
    ep.host = s;
    ep.port = "80";
  } else {
    ep.host = s.substr(0, colon);
    ep.port = s.substr(colon + 1);
  }
  if (ep.host.empty() || ep.port.empty()) {
    return absl::InvalidArgumentError("bad address: " + addr);
  }
  return ep;
}

absl::StatusOr<HttpReply> HttpCall(
    const Endpoint& ep, const std::string& method, const std::string& target,
    const std::string& body,
    const std::vector<std::pair<std::string, std::string>>& headers,
    int timeout_s) {
  boost::asio::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::tcp_stream stream(ioc);
  beast::error_code ec;
  auto results = resolver.resolve(ep.host, ep.port, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot resolve ", ep.host, ": ", ec.message()));
  }
  stream.expires_after(std::chrono::seconds(timeout_s));
  stream.connect(results, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat(
        "cannot reach silt at ", ep.host, ":", ep.port, ": ", ec.message()));
  }
  http::request<http::string_body> req(http::string_to_verb(method), target,
                                       11);
  req.set(http::field::host, ep.host);
  req.set(http::field::user_agent, "silt-cli");
  for (const auto& [k, v] : headers) req.set(k, v);
  if (method == "POST" || !body.empty()) {
    req.body() = body;
    req.prepare_payload();
  }
  http::write(stream, req, ec);
  if (ec) return absl::UnavailableError("sending request: " + ec.message());
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1ull << 32);
  http::read(stream, buffer, parser, ec);
  if (ec) return absl::UnavailableError("reading answer: " + ec.message());
  HttpReply reply;
  reply.status = static_cast<int>(parser.get().result_int());
  reply.body = std::move(parser.get().body());
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return reply;
}

std::string UrlEncode(const std::string& s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace silt::cli
