// Parses "host:port" listen addresses for every listener of silt (the TCP
// input and the HTTP server) ("127.0.0.1:9514", "[::1]:0",
// ":9514" = all interfaces, "localhost:9514"). No DNS lookups.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "ingest/internal/asio.h"

namespace silt::ingest {

absl::StatusOr<boost::asio::ip::tcp::endpoint> ParseListenAddress(
    const std::string& listen);

}  // namespace silt::ingest
