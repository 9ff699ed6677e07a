#include "store/internal/wal_syncer.h"

#include <string>

#include "common/log.h"
#include "common/thread_name.h"

namespace silt::store {

WalSyncer::WalSyncer(std::function<void()> on_thread)
    : on_thread_(std::move(on_thread)) {
  thread_ = std::thread([this] { Loop(); });
}

WalSyncer::~WalSyncer() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void WalSyncer::Sync(std::shared_ptr<WalWriter> wal, bool dir,
                     std::vector<Callback> callbacks) {
  {
    std::lock_guard<std::mutex> l(mu_);
    queue_.push_back(Request{std::move(wal), dir, std::move(callbacks)});
    ++requested_;
  }
  cv_.notify_one();
}

void WalSyncer::Drain() {
  std::unique_lock<std::mutex> l(mu_);
  const uint64_t target = requested_;
  done_cv_.wait(l, [&] { return finished_ >= target; });
}

void WalSyncer::Loop() {
  SetThreadName("silt-walsync");
  if (on_thread_) on_thread_();
  std::unique_lock<std::mutex> l(mu_);
  while (true) {
    cv_.wait(l, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, nothing left
    Request r = std::move(queue_.front());
    queue_.pop_front();
    l.unlock();
    absl::Status s = r.wal->SyncConcurrent(r.dir);
    if (!s.ok()) {
      LogError("store: WAL sync failed",
               {{"error", std::string(s.message())},
                {"waiting", std::to_string(r.callbacks.size())}});
    }
    for (Callback& cb : r.callbacks) cb(s);
    r = Request{};  // the segment may close here, off the lock
    l.lock();
    ++finished_;
    done_cv_.notify_all();
  }
}

}  // namespace silt::store
