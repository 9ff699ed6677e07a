// Memory mapped on its own (not from malloc's heap), 2 MiB aligned and
// marked for transparent huge pages: first touch then costs one fault per
// 2 MiB instead of one per 4 KiB.
#pragma once

#include <cstddef>
#include <mutex>
#include <utility>
#include <vector>

namespace silt::store {

inline constexpr size_t kHugePageBytes = 2 << 20;

// `bytes` rounded up to whole huge pages.
inline size_t HugePageRound(size_t bytes) {
  return (bytes + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
}

// HugePageRound(bytes) bytes; throws std::bad_alloc if it cannot map them.
char* MapHugePages(size_t bytes);
// Gives back what MapHugePages(bytes) mapped.
void UnmapHugePages(void* p, size_t bytes);

// Mappings given back for the next taker of the same size. A fresh mapping
// costs, on first touch, a fault and the kernel zeroing each huge page; a
// kept one costs neither. Keeps at most `max_bytes` (the rest is unmapped),
// so an idle silt gives memory back. Thread-safe.
class HugePagePool {
 public:
  explicit HugePagePool(size_t max_bytes) : max_bytes_(max_bytes) {}
  ~HugePagePool();
  HugePagePool(const HugePagePool&) = delete;
  HugePagePool& operator=(const HugePagePool&) = delete;

  // HugePageRound(bytes) bytes: the mapping of that size given back last,
  // or a new one. Its contents are whatever the last user left.
  char* Take(size_t bytes);
  // Gives back what Take(bytes) (or MapHugePages(bytes)) returned.
  void Give(void* p, size_t bytes);
  // Bytes kept for reuse now.
  size_t kept_bytes() const;

 private:
  const size_t max_bytes_;
  mutable std::mutex mu_;
  std::vector<std::pair<size_t, char*>> free_;  // (mapped size, mapping)
  size_t kept_ = 0;
};

}  // namespace silt::store
