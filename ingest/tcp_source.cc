#include "ingest/tcp_source.h"

#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "common/log.h"
#include "ingest/internal/asio.h"
#include "ingest/internal/tcp_connection.h"
#include "ingest/internal/tcp_shared.h"
#include "ingest/listener.h"

namespace silt::ingest {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;
using internal::TcpConnection;
using internal::TcpShared;

namespace {
// How long Stop() waits for the sink to finish batches already handed over.
constexpr auto kStopWait = std::chrono::seconds(30);
}  // namespace

struct TcpSource::Rep {
  explicit Rep(const TcpOptions& options, BatchSink sink)
      : shared(std::make_shared<TcpShared>(options, std::move(sink))),
        accept_strand(asio::make_strand(io)),
        acceptor(accept_strand),
        retry_timer(accept_strand) {}

  void Accept();
  void OnAccept(const error_code& ec, tcp::socket socket);

  asio::io_context io;
  std::shared_ptr<TcpShared> shared;
  TcpConnection::Strand accept_strand;
  tcp::acceptor acceptor;
  asio::steady_timer retry_timer;
  std::vector<std::thread> threads;
  uint16_t port = 0;
  std::mutex stop_mu;
  bool stopped = false;
};

void TcpSource::Rep::Accept() {
  TcpConnection::Strand strand = asio::make_strand(io);
  acceptor.async_accept(
      strand, [this, strand](const error_code& ec, tcp::socket socket) mutable {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) {
          return;
        }
        if (ec) {
          // EMFILE and friends: back off instead of spinning.
          LogWarn("tcp accept failed", {{"error", ec.message()}});
          retry_timer.expires_after(std::chrono::milliseconds(100));
          retry_timer.async_wait([this](const error_code& tec) {
            if (!tec && acceptor.is_open()) Accept();
          });
          return;
        }
        auto conn =
            std::make_shared<TcpConnection>(strand, std::move(socket), shared);
        if (shared->AddConnection(conn)) {
          shared->conns_accepted.Inc();
          conn->Start();
        } else {
          shared->conns_refused.Inc();
          conn.reset();  // closes the socket
        }
        Accept();
      });
}

TcpSource::TcpSource(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}

TcpSource::~TcpSource() { Stop(); }

uint16_t TcpSource::port() const { return rep_->port; }

absl::StatusOr<std::unique_ptr<TcpSource>> TcpSource::Start(
    const TcpOptions& options, BatchSink sink) {
  if (!sink) return absl::InvalidArgumentError("tcp source needs a sink");
  if (options.max_line_bytes == 0 || options.read_chunk_bytes == 0 ||
      options.max_inflight_per_conn <= 0) {
    return absl::InvalidArgumentError(
        "tcp: max_line_bytes, read_chunk_bytes and max_inflight_per_conn "
        "must be positive");
  }
  auto rep = std::make_unique<Rep>(options, std::move(sink));
  absl::Status listen_status =
      OpenAcceptor(&rep->acceptor, options.listen, "tcp");
  if (!listen_status.ok()) return listen_status;
  error_code ec;
  rep->port = rep->acceptor.local_endpoint(ec).port();

  Rep* r = rep.get();
  asio::post(r->accept_strand, [r] { r->Accept(); });
  StartIoThreads(&r->io, options.io_threads, "tcp", &r->threads);
  LogInfo("tcp listening",
          {{"addr", options.listen}, {"port", std::to_string(r->port)}});
  return std::unique_ptr<TcpSource>(new TcpSource(std::move(rep)));
}

void TcpSource::Stop() {
  std::lock_guard<std::mutex> lock(rep_->stop_mu);
  if (rep_->stopped) return;
  rep_->stopped = true;
  Rep* r = rep_.get();
  r->shared->BeginStop();
  std::promise<void> closed;
  asio::post(r->accept_strand, [r, &closed] {
    error_code ignored;
    r->acceptor.close(ignored);
    r->retry_timer.cancel();
    closed.set_value();
  });
  closed.get_future().wait();
  for (auto& conn : r->shared->Connections()) conn->StopAndFlush();
  if (!r->shared->WaitDrained(std::chrono::steady_clock::now() + kStopWait)) {
    LogWarn("tcp stop: batches still in flight after the wait");
  }
  r->io.stop();
  for (auto& t : r->threads) t.join();
  r->threads.clear();
  r->shared->MarkIoGone();
}

}  // namespace silt::ingest
