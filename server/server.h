// A running silt: the store, the index rebuilt from it, the ingestion
// pipeline, the HTTP API and the TCP input, wired together. Start() returns
// once every listener is bound; Shutdown() stops accepting, makes everything
// durable and returns. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/config.h"

namespace silt::server {

class Server {
 public:
  static absl::StatusOr<std::unique_ptr<Server>> Start(const Config& config);
  ~Server();  // Shutdown()

  uint16_t http_port() const;
  uint16_t tcp_port() const;  // 0 when TCP is off

  // Stops the inputs, finishes the pipeline, flushes the store. Idempotent.
  absl::Status Shutdown();

 private:
  struct Rep;
  explicit Server(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

// `silt serve ARGS...`: parses flags, starts, waits for SIGTERM/SIGINT,
// shuts down. Returns the process exit code.
int RunServe(const std::vector<std::string>& args);

}  // namespace silt::server
