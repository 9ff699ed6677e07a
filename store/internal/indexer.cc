#include "store/internal/indexer.h"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>

#include "common/file.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/thread_name.h"
#include "store/internal/part_index.h"

namespace silt::store {
namespace {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Indexing is optional work: it gets the CPU only when nothing else wants
// it, so ingest pays nothing for it on a busy machine.
void LowerPriority() {
  sched_param p{};
  p.sched_priority = 0;
  if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &p) != 0) {
    setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 19);
  }
}

}  // namespace

PartIndexer::PartIndexer(IndexerOptions options) : options_(options) {
  thread_ = std::thread([this] { Loop(); });
}

PartIndexer::~PartIndexer() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  Metrics().part_index_pending.With({}).Add(
      -static_cast<int64_t>(queue_.size()));
}

void PartIndexer::Enqueue(std::shared_ptr<const PartReader> part) {
  {
    std::lock_guard<std::mutex> l(mu_);
    queue_.push_back({std::move(part), SteadyMs() + options_.delay_ms});
  }
  Metrics().part_index_pending.With({}).Add(1);
  cv_.notify_all();
}

void PartIndexer::WaitIdle() {
  std::unique_lock<std::mutex> l(mu_);
  hurry_ = true;
  cv_.notify_all();
  idle_cv_.wait(l, [this] { return stop_ || (queue_.empty() && !busy_); });
  hurry_ = false;
}

void PartIndexer::Loop() {
  SetThreadName("silt-index");
  LowerPriority();
  std::unique_lock<std::mutex> l(mu_);
  while (true) {
    if (stop_) return;
    if (queue_.empty()) {
      idle_cv_.notify_all();
      cv_.wait(l);
      continue;
    }
    const int64_t wait = queue_.front().due_ms - SteadyMs();
    if (wait > 0 && !hurry_) {
      cv_.wait_for(l, std::chrono::milliseconds(wait));
      continue;
    }
    std::shared_ptr<const PartReader> part = std::move(queue_.front().part);
    queue_.pop_front();
    busy_ = true;
    l.unlock();
    auto index = PartIndex::Build(*part, options_.fsync);
    if (index.ok()) {
      if (FileExists(part->path())) {
        part->SetIndex(*std::move(index));
        Metrics().part_indexes_built.With({}).Inc();
      } else {
        // The part went (retention) while it was being indexed.
        RemoveFile(PartIndex::PathFor(part->path())).IgnoreError();
      }
    } else {
      LogWarn("store: cannot index part; it is read in full",
              {{"path", part->path()},
               {"error", std::string(index.status().message())}});
    }
    Metrics().part_index_pending.With({}).Add(-1);
    l.lock();
    busy_ = false;
  }
}

}  // namespace silt::store
