// Runs the WAL's fdatasyncs on a thread of their own, so that the commit
// thread keeps writing (and acknowledging batches that need no sync) while
// the device catches up. Requests run one at a time in the order they were
// made; a request's callbacks run after its sync, with its status.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "store/internal/wal.h"

namespace silt::store {

class WalSyncer {
 public:
  using Callback = std::function<void(absl::Status)>;

  // `on_thread` runs first on the sync thread (e.g. to mark it as one that
  // runs store callbacks).
  explicit WalSyncer(std::function<void()> on_thread = {});
  // Runs every queued request, then joins the thread.
  ~WalSyncer();
  WalSyncer(const WalSyncer&) = delete;
  WalSyncer& operator=(const WalSyncer&) = delete;

  // Syncs everything written to `wal` before the sync starts (and, with
  // `dir`, the segment's directory entry), then runs `callbacks`.
  void Sync(std::shared_ptr<WalWriter> wal, bool dir,
            std::vector<Callback> callbacks);
  // Waits until every request made before the call has run.
  void Drain();

 private:
  struct Request {
    std::shared_ptr<WalWriter> wal;
    bool dir;
    std::vector<Callback> callbacks;
  };
  void Loop();

  std::function<void()> on_thread_;
  std::mutex mu_;
  std::condition_variable cv_;       // requests queued or stopping
  std::condition_variable done_cv_;  // `finished_` moved
  std::deque<Request> queue_;
  uint64_t requested_ = 0, finished_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace silt::store
