// Parses "host:port" listen addresses for every listener of silt (the TCP
// input and the HTTP server) ("127.0.0.1:9514", "[::1]:0",
// ":9514" = all interfaces, "localhost:9514"). No DNS lookups.
#pragma once

#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ingest/internal/asio.h"

namespace silt::ingest {

absl::StatusOr<boost::asio::ip::tcp::endpoint> ParseListenAddress(
    const std::string& listen);

// Opens, binds (SO_REUSEADDR) and listens. kInvalidArgument for a bad
// address, kUnavailable (naming `what` and the address) if it cannot bind.
absl::Status OpenAcceptor(boost::asio::ip::tcp::acceptor* acceptor,
                          const std::string& listen, const char* what);

// Starts `n` (at least 1) threads running `io` until it is stopped. An
// exception escaping a handler is logged and the thread runs on.
void StartIoThreads(boost::asio::io_context* io, int n, const char* what,
                    std::vector<std::thread>* threads);

}  // namespace silt::ingest
