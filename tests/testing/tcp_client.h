// A blocking TCP client for tests: connects to 127.0.0.1:port and sends
// bytes. Plain POSIX sockets. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace silt::testing {

class TcpClient {
 public:
  TcpClient() = default;
  ~TcpClient() { Close(); }
  TcpClient(const TcpClient&) = delete;
  TcpClient& operator=(const TcpClient&) = delete;

  absl::Status Connect(uint16_t port, const std::string& host = "127.0.0.1");
  // Writes every byte (blocks while the peer's window is closed).
  absl::Status SendAll(std::string_view data);
  // Waits up to `timeout_ms` for the peer to close the connection (EOF or
  // reset); bytes the peer sends are discarded. True if it closed.
  bool WaitPeerClosed(int timeout_ms);
  // Reads until `needle` has been seen `count` times, EOF, or `timeout_ms`;
  // returns everything read.
  std::string ReadUntil(std::string_view needle, int count, int timeout_ms);
  // Half-close: no more sends; the peer reads EOF.
  void ShutdownWrite();
  void Close();
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

}  // namespace silt::testing
