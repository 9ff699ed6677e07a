// A synchronous HTTP/1.1 client for tests (Boost.Beast underneath): one
// connection per call, a deadline for the whole exchange. Thread-safe (no
// shared state).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace silt::testing {

struct HttpResult {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
};

using HttpHeaders = std::map<std::string, std::string>;

inline constexpr int kHttpTimeoutMs = 30000;

// kUnavailable if the server cannot be reached or the connection breaks,
// kDeadlineExceeded past `timeout_ms`.
absl::StatusOr<HttpResult> HttpRequest(const std::string& host, uint16_t port,
                                       const std::string& method,
                                       const std::string& target,
                                       const std::string& body,
                                       const HttpHeaders& headers = {},
                                       int timeout_ms = kHttpTimeoutMs);

absl::StatusOr<HttpResult> HttpGet(const std::string& host, uint16_t port,
                                   const std::string& target,
                                   const HttpHeaders& headers = {});

// Content-Type defaults to application/json unless `headers` sets one.
absl::StatusOr<HttpResult> HttpPost(const std::string& host, uint16_t port,
                                    const std::string& target,
                                    const std::string& body,
                                    const HttpHeaders& headers = {});

// Percent-encodes everything but unreserved characters (A-Z a-z 0-9 - _ . ~),
// for query string values: UrlEncode("{app=\"x\"}").
std::string UrlEncode(std::string_view s);

}  // namespace silt::testing
