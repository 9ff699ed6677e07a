// One TCP client connection of a TcpSource. Reads straight into the arena of
// the batch it is building, splits frames in place (LineSplitter), and hands
// the batch to the sink after each read while the per-connection and global
// in-flight limits allow; otherwise it stops reading until a batch is done.
// All methods run on the connection's strand (the public ones post to it).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "common/record_batch.h"
#include "ingest/internal/asio.h"
#include "ingest/internal/line_splitter.h"
#include "ingest/internal/tcp_shared.h"

namespace silt::ingest::internal {

class TcpConnection : public std::enable_shared_from_this<TcpConnection> {
 public:
  using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;

  TcpConnection(Strand strand, boost::asio::ip::tcp::socket socket,
                std::shared_ptr<TcpShared> shared);
  ~TcpConnection();

  // Starts reading.
  void Start();
  // Another batch or budget became free: ship / read if now allowed.
  void Wake(bool batch_done);
  // Stop(): ship every complete line read so far, then close.
  void StopAndFlush();

 private:
  void Pump();
  void StartRead();
  void OnRead(const boost::system::error_code& ec, size_t n);
  void Split(bool at_eof);
  void Ship(bool force);
  void ArmIdleTimer(std::chrono::steady_clock::time_point deadline);
  void Close();

  Strand strand_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer idle_timer_;
  std::shared_ptr<TcpShared> shared_;

  RecordBatch batch_;
  size_t pending_off_ = 0;  // batch_ arena offset of the unconsumed tail
  LineSplitter splitter_;
  int inflight_ = 0;  // batches given to the sink, not done yet
  // One idle timer runs while reads go on; it is not re-armed per read.
  // When it fires it closes the socket if the current read started at
  // least idle_timeout_s ago, else waits for that read's deadline.
  std::chrono::steady_clock::time_point read_started_;
  bool timer_armed_ = false;
  bool reading_ = false;
  bool eof_ = false;
  bool stopping_ = false;
  bool closed_ = false;
};

}  // namespace silt::ingest::internal
