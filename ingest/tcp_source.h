// TCP input: newline-delimited JSON, and RFC 6587 octet counting
// ("<len> <msg>") when a frame starts with a digit followed by digits and a
// space. Boost.Asio, one io thread by default; Asio stays out of this header.
//
// Backpressure: each connection keeps at most max_inflight_per_conn batches
// in the pipeline and all connections together at most max_inflight_bytes;
// past either, the connection stops reading (the TCP window closes) until a
// batch is done. Nothing is dropped.
//
// Bad input is data: a line longer than max_line_bytes is stored cut and
// marked (Reject::kTruncated) and counted; the rest of the line is skipped
// up to its newline; a client that disconnects mid-line has its partial
// last line stored (it is counted as received). Thread-safe Start/Stop.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/record_batch.h"

namespace silt::ingest {

struct TcpOptions {
  std::string listen = "127.0.0.1:9514";  // host:port; port 0 picks one
  size_t max_line_bytes = 256 * 1024;
  int max_connections = 1024;  // past it new connections are closed
  int idle_timeout_s = 300;    // a silent connection is closed
  size_t read_chunk_bytes = 256 * 1024;
  int max_inflight_per_conn = 16;
  size_t max_inflight_bytes = 64u << 20;
  std::string tenant = "default";
  int io_threads = 1;
};

// Takes ownership of a batch and calls `done` exactly once, from any thread,
// when its entries are durable (OK) or could not be stored (error).
using BatchSink = std::function<void(RecordBatch&& batch,
                                     std::function<void(absl::Status)> done)>;

class TcpSource {
 public:
  // Binds and starts accepting. kInvalidArgument for a bad address,
  // kUnavailable if the port cannot be bound.
  static absl::StatusOr<std::unique_ptr<TcpSource>> Start(
      const TcpOptions& options, BatchSink sink);
  ~TcpSource();  // Stop()

  uint16_t port() const;
  // Stops accepting and reading, hands every complete line already read to
  // the sink, waits for their `done`, closes connections. Idempotent.
  void Stop();

 private:
  struct Rep;
  explicit TcpSource(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace silt::ingest
