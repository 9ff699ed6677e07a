// A websocket client for tests (Boost.Beast underneath): connects with an
// upgrade request and reads text messages with a deadline. Not
// thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace silt::testing {

class WsClient {
 public:
  // kUnavailable if the connection or the handshake fails.
  static absl::StatusOr<std::unique_ptr<WsClient>> Connect(
      const std::string& host, uint16_t port, const std::string& target,
      const std::map<std::string, std::string>& headers = {});
  ~WsClient();

  // The next text message. kDeadlineExceeded after `timeout_ms` (the
  // client is unusable afterwards), kUnavailable when the server closed:
  // the message then holds the close code and reason.
  absl::StatusOr<std::string> Read(int timeout_ms);
  void Close();

 private:
  struct Rep;
  explicit WsClient(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace silt::testing
