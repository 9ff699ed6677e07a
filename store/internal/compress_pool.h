// Threads that compress part blocks while the cut builds the next ones, so
// a cut uses more than one core. Thread-safe; the destructor finishes the
// tasks already queued.
#pragma once

#include <functional>
#include <memory>

namespace silt::store {

class CompressPool {
 public:
  // threads <= 0: one per core.
  explicit CompressPool(int threads);
  ~CompressPool();
  CompressPool(const CompressPool&) = delete;
  CompressPool& operator=(const CompressPool&) = delete;

  // Runs `task` on a pool thread, in submission order across the pool.
  void Run(std::function<void()> task);
  // Runs the oldest queued task on the calling thread, if there is one (a
  // thread that would otherwise wait for the pool's work helps with it).
  // Returns whether it ran one.
  bool RunOneHere();
  int threads() const;

 private:
  struct Rep;
  std::unique_ptr<Rep> rep_;
};

}  // namespace silt::store
