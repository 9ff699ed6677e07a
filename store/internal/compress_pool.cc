#include "store/internal/compress_pool.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "common/thread_name.h"

namespace silt::store {

struct CompressPool::Rep {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::function<void()>> tasks;
  bool stop = false;
  std::vector<std::thread> threads;

  void Work() {
    SetThreadName("silt-zstd");
    while (true) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> l(mu);
        cv.wait(l, [this] { return stop || !tasks.empty(); });
        if (tasks.empty()) return;  // stopping and drained
        task = std::move(tasks.front());
        tasks.pop_front();
      }
      task();
    }
  }
};

CompressPool::CompressPool(int threads) : rep_(std::make_unique<Rep>()) {
  if (threads <= 0) {
    threads =
        static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  for (int i = 0; i < threads; ++i) {
    rep_->threads.emplace_back([r = rep_.get()] { r->Work(); });
  }
}

CompressPool::~CompressPool() {
  {
    std::lock_guard<std::mutex> l(rep_->mu);
    rep_->stop = true;
  }
  rep_->cv.notify_all();
  for (auto& t : rep_->threads) t.join();
}

void CompressPool::Run(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> l(rep_->mu);
    rep_->tasks.push_back(std::move(task));
  }
  rep_->cv.notify_one();
}

bool CompressPool::RunOneHere() {
  std::function<void()> task;
  {
    std::lock_guard<std::mutex> l(rep_->mu);
    if (rep_->tasks.empty()) return false;
    task = std::move(rep_->tasks.front());
    rep_->tasks.pop_front();
  }
  task();
  return true;
}

int CompressPool::threads() const {
  return static_cast<int>(rep_->threads.size());
}

}  // namespace silt::store
