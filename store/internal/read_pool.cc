#include "store/internal/read_pool.h"

#include <latch>

#include "common/thread_name.h"

namespace silt::store {

ReadPool::ReadPool(int threads) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
}

ReadPool::~ReadPool() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void ReadPool::RunAll(int n, const std::function<void(int)>& fn) {
  if (n <= 1 || threads_.empty()) {
    for (int w = 0; w < n; ++w) fn(w);
    return;
  }
  std::latch done(n - 1);
  {
    std::lock_guard<std::mutex> l(mu_);
    for (int w = 1; w < n; ++w) {
      tasks_.push_back([&fn, &done, w] {
        fn(w);
        done.count_down();
      });
    }
  }
  cv_.notify_all();
  fn(0);
  done.wait();
}

void ReadPool::Loop() {
  SetThreadName("silt-read");
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait(l, [this] { return stop_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

}  // namespace silt::store
