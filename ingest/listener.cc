#include "ingest/listener.h"

#include <algorithm>
#include <charconv>

#include "common/log.h"
#include "common/thread_name.h"

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

absl::Status OpenAcceptor(boost::asio::ip::tcp::acceptor* acceptor,
                          const std::string& listen, const char* what) {
  auto endpoint = ParseListenAddress(listen);
  if (!endpoint.ok()) return endpoint.status();
  using boost::asio::ip::tcp;
  boost::system::error_code ec;
  acceptor->open(endpoint->protocol(), ec);
  if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor->bind(*endpoint, ec);
  if (!ec) {
    acceptor->listen(boost::asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return absl::UnavailableError(std::string(what) + ": cannot listen on " +
                                  listen + ": " + ec.message());
  }
  return absl::OkStatus();
}

void StartIoThreads(boost::asio::io_context* io, int n, const char* what,
                    std::vector<std::thread>* threads) {
  for (int i = 0; i < std::max(n, 1); ++i) {
    threads->emplace_back([io, what] {
      SetThreadName((std::string("silt-") + what).c_str());
      auto guard = boost::asio::make_work_guard(*io);
      for (;;) {
        try {
          io->run();
          return;
        } catch (const std::exception& e) {
          LogError(std::string(what) + " io thread: unexpected exception",
                   {{"error", e.what()}});
        }
      }
    });
  }
}

}  // namespace silt::ingest
