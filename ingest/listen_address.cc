#include "ingest/listen_address.h"

#include <charconv>

namespace silt::ingest {

absl::StatusOr<boost::asio::ip::tcp::endpoint> ParseListenAddress(
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

}  // namespace silt::ingest
