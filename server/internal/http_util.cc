#include "server/internal/http_util.h"

#include <charconv>

namespace silt::server::internal {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string PercentDecode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%' && i + 2 < in.size()) {
      int hi = HexValue(in[i + 1]);
      int lo = HexValue(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

void ParseQuery(std::string_view query, Params* params) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view()
                                          : query.substr(amp + 1);
    if (piece.empty()) continue;
    size_t eq = piece.find('=');
    std::string key = PercentDecode(piece.substr(0, eq), true);
    std::string value = eq == std::string_view::npos
                            ? std::string()
                            : PercentDecode(piece.substr(eq + 1), true);
    params->emplace(std::move(key), std::move(value));
  }
}

absl::StatusOr<boost::asio::ip::tcp::endpoint> ParseListen(
    const std::string& listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError("listen address needs host:port: " +
                                      listen);
  }
  std::string host = listen.substr(0, colon);
  std::string port_text = listen.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(),
                                   port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() ||
      port_text.empty() || port > 65535) {
    return absl::InvalidArgumentError("bad port in listen address: " + listen);
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "0.0.0.0";
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code addr_ec;
  auto addr = boost::asio::ip::make_address(host, addr_ec);
  if (addr_ec) {
    return absl::InvalidArgumentError("bad host in listen address: " + listen);
  }
  return boost::asio::ip::tcp::endpoint(addr, static_cast<uint16_t>(port));
}

}  // namespace silt::server::internal
