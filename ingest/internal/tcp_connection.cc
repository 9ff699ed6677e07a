#include "ingest/internal/tcp_connection.h"

#include <chrono>
#include <cstring>
#include <utility>

namespace silt::ingest::internal {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

int64_t WallNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

TcpConnection::TcpConnection(Strand strand, asio::ip::tcp::socket socket,
                             std::shared_ptr<TcpShared> shared)
    : strand_(std::move(strand)),
      socket_(std::move(socket)),
      idle_timer_(strand_),
      shared_(std::move(shared)),
      splitter_(shared_->options().max_line_bytes) {}

TcpConnection::~TcpConnection() = default;

void TcpConnection::Start() {
  asio::post(strand_, [self = shared_from_this()] { self->Pump(); });
}

void TcpConnection::Wake(bool batch_done) {
  asio::post(strand_, [self = shared_from_this(), batch_done] {
    if (batch_done) --self->inflight_;
    self->Pump();
  });
}

void TcpConnection::StopAndFlush() {
  asio::post(strand_, [self = shared_from_this()] {
    self->stopping_ = true;
    if (self->reading_) {
      error_code ignored;
      self->socket_.cancel(ignored);  // OnRead pumps
    } else {
      self->Pump();
    }
  });
}

// Invariant: a read is in flight only into batch_'s arena, so batch_ is never
// shipped or grown while reading_ is set.
void TcpConnection::Pump() {
  if (closed_ || reading_) return;
  auto self = shared_from_this();
  if (stopping_) {
    if (!batch_.empty()) Ship(/*force=*/true);
    Close();
    return;
  }
  if (!batch_.empty()) {
    if (inflight_ >= shared_->options().max_inflight_per_conn) return;
    if (!shared_->Acquire(batch_.arena_bytes(), self, /*force=*/false)) return;
    Ship(/*force=*/false);
  }
  if (eof_) {
    Close();
    return;
  }
  // Past either limit the connection stops reading, so the kernel's receive
  // buffer fills and the client's TCP window closes.
  if (inflight_ >= shared_->options().max_inflight_per_conn) return;
  if (!shared_->HasBudget(self)) return;
  StartRead();
}

void TcpConnection::StartRead() {
  size_t want = shared_->options().read_chunk_bytes;
  if (want < 4096) want = 4096;
  char* dst = batch_.Reserve(want);
  reading_ = true;
  if (shared_->options().idle_timeout_s > 0) {
    read_started_ = std::chrono::steady_clock::now();
    if (!timer_armed_) {
      ArmIdleTimer(read_started_ +
                   std::chrono::seconds(shared_->options().idle_timeout_s));
    }
  }
  socket_.async_read_some(
      asio::buffer(dst, want),
      [self = shared_from_this()](const error_code& ec, size_t n) {
        self->OnRead(ec, n);
      });
}

void TcpConnection::OnRead(const error_code& ec, size_t n) {
  reading_ = false;
  if (n > 0) {
    batch_.CommitBytes(n);
    Split(/*at_eof=*/false);
  }
  if (ec) {
    // Stop() cancels the read and wants complete lines only; anything else
    // (EOF, reset, idle timeout) ends the stream and keeps the partial line.
    if (!stopping_) Split(/*at_eof=*/true);
    eof_ = true;
  }
  Pump();
}

void TcpConnection::Split(bool at_eof) {
  const char* base = batch_.arena_data() + pending_off_;
  size_t avail = batch_.arena_bytes() - pending_off_;
  const uint32_t off = static_cast<uint32_t>(pending_off_);
  auto emit = [this, off](const SplitRecord& r) {
    uint32_t i = batch_.AddRecord(off + static_cast<uint32_t>(r.offset),
                                  static_cast<uint32_t>(r.length));
    if (r.truncated) {
      batch_.record(i).reject = Reject::kTruncated;
      shared_->lines_truncated.Inc();
    }
  };
  if (at_eof) {
    splitter_.Finish(base, avail, emit);
    pending_off_ += avail;
  } else {
    pending_off_ += splitter_.Consume(base, avail, emit);
  }
}

void TcpConnection::Ship(bool force) {
  const TcpOptions& opt = shared_->options();
  RecordBatch out = std::move(batch_);
  batch_ = RecordBatch::FromPool();
  // The partial last frame moves to the front of the next batch; reserve
  // room for the next read too so it does not grow the arena.
  size_t tail = out.arena_bytes() - pending_off_;
  if (tail > 0) {
    char* dst = batch_.Reserve(tail + opt.read_chunk_bytes);
    std::memcpy(dst, out.arena_data() + pending_off_, tail);
    batch_.CommitBytes(tail);
  }
  pending_off_ = 0;

  size_t bytes = out.arena_bytes();
  if (force) shared_->Acquire(bytes, shared_from_this(), /*force=*/true);
  out.tenant = opt.tenant;
  out.input = "tcp";
  out.received_ns = WallNanos();
  out.fallback_labels = {{"source", "tcp"}};
  shared_->lines_received.Inc(out.size());
  shared_->bytes_received.Inc(out.line_bytes());
  ++inflight_;
  std::weak_ptr<TcpConnection> weak = weak_from_this();
  std::shared_ptr<TcpShared> shared = shared_;
  shared_->Sink(std::move(out), [shared, weak, bytes](absl::Status st) {
    shared->Release(bytes, weak, st);
  });
}

void TcpConnection::ArmIdleTimer(
    std::chrono::steady_clock::time_point deadline) {
  timer_armed_ = true;
  idle_timer_.expires_at(deadline);
  idle_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    self->timer_armed_ = false;
    if (ec || self->closed_ || !self->reading_) return;  // StartRead re-arms
    const auto idle =
        std::chrono::seconds(self->shared_->options().idle_timeout_s);
    const auto due = self->read_started_ + idle;
    if (std::chrono::steady_clock::now() < due) {
      self->ArmIdleTimer(due);  // data came since; wait for this read
      return;
    }
    error_code ignored;
    self->socket_.close(ignored);  // the read fails; OnRead ends it
  });
}

void TcpConnection::Close() {
  if (closed_) return;
  closed_ = true;
  error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  idle_timer_.cancel();
  shared_->RemoveConnection(this);
}

}  // namespace silt::ingest::internal
