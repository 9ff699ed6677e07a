// State shared by a TcpSource's acceptor, its connections and the done
// callbacks of batches in flight (which may run after the source is gone):
// the in-flight budget, the waiters parked on it, and the live connections.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/status.h"
#include "common/metrics.h"
#include "ingest/tcp_source.h"

namespace silt::ingest::internal {

class TcpConnection;

class TcpShared {
 public:
  TcpShared(const TcpOptions& options, BatchSink sink);

  const TcpOptions& options() const { return options_; }
  void Sink(RecordBatch&& batch, std::function<void(absl::Status)> done) {
    sink_(std::move(batch), std::move(done));
  }

  // Registers a new connection. False if the source is stopping or the
  // connection cap is reached (the caller closes the socket).
  bool AddConnection(const std::shared_ptr<TcpConnection>& conn);
  void RemoveConnection(TcpConnection* conn);
  // The live connections, for Stop().
  std::vector<std::shared_ptr<TcpConnection>> Connections();

  // True if a new read may start: the global byte budget has room. If not,
  // `conn` is parked and pumped when a batch is done.
  bool HasBudget(const std::shared_ptr<TcpConnection>& conn);
  // Takes `bytes` of the budget for a batch about to go to the sink. False
  // (and `conn` parked) if that would pass max_inflight_bytes while other
  // batches are in flight. `force` always succeeds (Stop()).
  bool Acquire(size_t bytes, const std::shared_ptr<TcpConnection>& conn,
               bool force);
  // A batch of `bytes` is done: frees the budget and pumps `conn` and every
  // parked connection unless the io threads are gone.
  void Release(size_t bytes, const std::weak_ptr<TcpConnection>& conn,
               const absl::Status& status);

  // Stop(): refuse new connections from now on.
  void BeginStop();
  // Waits until no connection is left and no batch is in flight, or until
  // `deadline`. True if everything drained.
  bool WaitDrained(std::chrono::steady_clock::time_point deadline);
  // The io threads are gone: done callbacks must not post any more. Drops
  // the connections left (call while the io_context still exists).
  void MarkIoGone();

  Counter& lines_received;
  Counter& bytes_received;
  Counter& lines_truncated;
  Counter& conns_accepted;
  Counter& conns_refused;

 private:
  void ParkLocked(const std::shared_ptr<TcpConnection>& conn);

  const TcpOptions options_;
  const BatchSink sink_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool io_gone_ = false;
  size_t inflight_bytes_ = 0;
  int inflight_batches_ = 0;
  // Owns the live connections: a parked connection has no operation in
  // flight that would keep it alive.
  std::map<TcpConnection*, std::shared_ptr<TcpConnection>> conns_;
  std::map<TcpConnection*, std::weak_ptr<TcpConnection>> parked_;
  int64_t last_error_log_s_ = 0;
};

}  // namespace silt::ingest::internal
