// A small blocking HTTP/1.1 client for the CLI (one connection per call).
// Not thread-safe per instance.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace silt::cli {

struct HttpReply {
  int status = 0;
  std::string body;
};

struct Endpoint {
  std::string host = "127.0.0.1";
  std::string port = "3100";
};

// "http://host:port" (a trailing path is ignored). kInvalidArgument else.
absl::StatusOr<Endpoint> ParseAddr(const std::string& addr);

// kUnavailable when silt cannot be reached, with the address in the message.
absl::StatusOr<HttpReply> HttpCall(
    const Endpoint& ep, const std::string& method, const std::string& target,
    const std::string& body = "",
    const std::vector<std::pair<std::string, std::string>>& headers = {},
    int timeout_s = 120);

std::string UrlEncode(const std::string& s);

}  // namespace silt::cli
