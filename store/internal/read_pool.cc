#include "store/internal/read_pool.h"

#include <algorithm>
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
      tasks_.push_back(Task{[&fn, &done, w] {
                              fn(w);
                              done.count_down();
                            },
                            &done});
    }
  }
  cv_.notify_all();
  fn(0);
  {
    std::lock_guard<std::mutex> l(mu_);
    const auto mine = [&done](const Task& t) { return t.owner == &done; };
    const auto n_left = std::count_if(tasks_.begin(), tasks_.end(), mine);
    tasks_.erase(std::remove_if(tasks_.begin(), tasks_.end(), mine),
                 tasks_.end());
    if (n_left > 0) done.count_down(n_left);
  }
  done.wait();
}

void ReadPool::Loop() {
  SetThreadName("silt-read");
  while (true) {
    Task task;
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait(l, [this] { return stop_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task.fn();
  }
}

}  // namespace silt::store
