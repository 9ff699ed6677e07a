// One background thread that runs slow requests (flush) off the HTTP
// threads, in order. Destruction runs what is queued, then joins.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace silt::server {

class Background {
 public:
  Background();
  ~Background();
  void Run(std::function<void()> task);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace silt::server
