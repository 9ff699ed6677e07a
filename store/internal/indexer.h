// Builds part indexes (store/part_index_format.md) in the background: one
// thread at idle CPU priority takes parts in the order they were queued,
// each no earlier than `delay_ms` after it was queued (so a burst of
// ingest cuts its parts first), builds its index and attaches it to the
// part's reader. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "store/internal/part_reader.h"

namespace silt::store {

struct IndexerOptions {
  bool fsync = true;
  int64_t delay_ms = 2000;
};

class PartIndexer {
 public:
  explicit PartIndexer(IndexerOptions options);
  ~PartIndexer();  // stops after the part in progress; the rest waits for
                   // the next start

  void Enqueue(std::shared_ptr<const PartReader> part);
  // Blocks until every queued part has its index (or failed to get one).
  void WaitIdle();

 private:
  void Loop();

  const IndexerOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;       // work queued or stop
  std::condition_variable idle_cv_;  // queue drained
  struct Item {
    std::shared_ptr<const PartReader> part;
    int64_t due_ms;  // steady clock
  };
  std::deque<Item> queue_;
  bool busy_ = false;
  bool stop_ = false;
  bool hurry_ = false;  // WaitIdle: skip the delay
  std::thread thread_;
};

}  // namespace silt::store
