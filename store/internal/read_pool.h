// Threads that serve ParallelScan's extra workers, kept for the life of the
// store: a scan then pays no thread start, and the threads' allocator
// arenas and buffers stay warm from one query to the next. Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace silt::store {

class ReadPool {
 public:
  explicit ReadPool(int threads);
  ~ReadPool();  // finishes what is queued
  int size() const { return static_cast<int>(threads_.size()); }

  // Runs fn(0) on the calling thread and fn(1..n-1) on pool threads at the
  // same time; returns when all have returned. Workers no pool thread has
  // started by the time fn(0) returns are not run at all (so a busy pool
  // never holds the caller up): fn must share out its work itself, e.g.
  // from a common counter, and fn(0) alone must be able to do all of it.
  void RunAll(int n, const std::function<void(int worker)>& fn);

 private:
  void Loop();
  std::mutex mu_;
  std::condition_variable cv_;
  struct Task {
    std::function<void()> fn;
    const void* owner;  // the RunAll call
  };
  std::deque<Task> tasks_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace silt::store
