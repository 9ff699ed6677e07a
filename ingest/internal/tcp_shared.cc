#include "ingest/internal/tcp_shared.h"

#include <chrono>
#include <string>

#include "common/log.h"
#include "ingest/internal/tcp_connection.h"

namespace silt::ingest::internal {

TcpShared::TcpShared(const TcpOptions& options, BatchSink sink)
    : lines_received(Metrics().lines_received.With({"tcp"})),
      bytes_received(Metrics().bytes_received.With({"tcp"})),
      lines_truncated(Metrics().lines_rejected.With({"tcp", "line_too_long"})),
      conns_accepted(Metrics().tcp_connections.With({"accepted"})),
      conns_refused(Metrics().tcp_connections.With({"refused"})),
      options_(options),
      sink_(std::move(sink)) {}

bool TcpShared::AddConnection(const std::shared_ptr<TcpConnection>& conn) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_ || conns_.size() >= static_cast<size_t>(std::max(
                                        options_.max_connections, 0))) {
    return false;
  }
  conns_.emplace(conn.get(), conn);
  return true;
}

void TcpShared::RemoveConnection(TcpConnection* conn) {
  std::lock_guard<std::mutex> lock(mu_);
  conns_.erase(conn);
  parked_.erase(conn);
  cv_.notify_all();
}

std::vector<std::shared_ptr<TcpConnection>> TcpShared::Connections() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::shared_ptr<TcpConnection>> out;
  for (auto& [raw, conn] : conns_) out.push_back(conn);
  return out;
}

void TcpShared::ParkLocked(const std::shared_ptr<TcpConnection>& conn) {
  parked_.emplace(conn.get(), conn);
}

bool TcpShared::HasBudget(const std::shared_ptr<TcpConnection>& conn) {
  std::lock_guard<std::mutex> lock(mu_);
  if (inflight_batches_ == 0 || inflight_bytes_ < options_.max_inflight_bytes) {
    return true;
  }
  ParkLocked(conn);
  return false;
}

bool TcpShared::Acquire(size_t bytes,
                        const std::shared_ptr<TcpConnection>& conn,
                        bool force) {
  std::lock_guard<std::mutex> lock(mu_);
  // One batch may always go when nothing is in flight, so a batch larger
  // than the whole budget cannot wedge the source.
  if (!force && inflight_batches_ > 0 &&
      inflight_bytes_ + bytes > options_.max_inflight_bytes) {
    ParkLocked(conn);
    return false;
  }
  inflight_bytes_ += bytes;
  ++inflight_batches_;
  return true;
}

void TcpShared::Release(size_t bytes, const std::weak_ptr<TcpConnection>& conn,
                        const absl::Status& status) {
  std::lock_guard<std::mutex> lock(mu_);
  inflight_bytes_ -= bytes;
  --inflight_batches_;
  if (!status.ok()) {
    int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::steady_clock::now().time_since_epoch())
                        .count();
    if (now_s != last_error_log_s_) {
      last_error_log_s_ = now_s;
      LogWarn("tcp batch not stored", {{"error", status.ToString()}});
    }
  }
  // Posting needs live io threads; Stop() flips io_gone_ under this mutex
  // before it stops them, and the shared_ptrs taken here are released
  // before the mutex is.
  if (!io_gone_) {
    if (auto c = conn.lock()) c->Wake(/*batch_done=*/true);
    auto parked = std::move(parked_);
    parked_.clear();
    for (auto& [raw, weak] : parked) {
      if (auto c = weak.lock()) c->Wake(/*batch_done=*/false);
    }
  }
  cv_.notify_all();
}

void TcpShared::BeginStop() {
  std::lock_guard<std::mutex> lock(mu_);
  stopping_ = true;
}

bool TcpShared::WaitDrained(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_until(lock, deadline, [this] {
    return conns_.empty() && inflight_batches_ == 0;
  });
}

void TcpShared::MarkIoGone() {
  std::map<TcpConnection*, std::shared_ptr<TcpConnection>> conns;
  {
    std::lock_guard<std::mutex> lock(mu_);
    io_gone_ = true;
    parked_.clear();
    conns.swap(conns_);
  }
}

}  // namespace silt::ingest::internal
