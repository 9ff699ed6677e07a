#include "store/internal/huge_pages.h"

#include <sys/mman.h>

#include <cstdint>
#include <new>

namespace silt::store {

char* MapHugePages(size_t bytes) {
  const size_t size = HugePageRound(bytes);
  // One huge page more than asked, so an aligned run fits; the ends are
  // given back.
  const size_t span = size + kHugePageBytes;
  void* m = mmap(nullptr, span, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) throw std::bad_alloc();
  const uintptr_t base = reinterpret_cast<uintptr_t>(m);
  const uintptr_t aligned = (base + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
  if (aligned > base) munmap(m, aligned - base);
  const uintptr_t end = aligned + size;
  if (base + span > end) {
    munmap(reinterpret_cast<void*>(end), base + span - end);
  }
  char* p = reinterpret_cast<char*>(aligned);
  madvise(p, size, MADV_HUGEPAGE);
  return p;
}

void UnmapHugePages(void* p, size_t bytes) { munmap(p, HugePageRound(bytes)); }

HugePagePool::~HugePagePool() {
  for (const auto& [size, p] : free_) munmap(p, size);
}

char* HugePagePool::Take(size_t bytes) {
  const size_t size = HugePageRound(bytes);
  {
    std::lock_guard<std::mutex> l(mu_);
    // The last one given back is the likeliest to still be in the cache.
    for (size_t i = free_.size(); i-- > 0;) {
      if (free_[i].first != size) continue;
      char* p = free_[i].second;
      free_.erase(free_.begin() + static_cast<ptrdiff_t>(i));
      kept_ -= size;
      return p;
    }
  }
  return MapHugePages(size);
}

void HugePagePool::Give(void* p, size_t bytes) {
  const size_t size = HugePageRound(bytes);
  {
    std::lock_guard<std::mutex> l(mu_);
    if (kept_ + size <= max_bytes_) {
      free_.emplace_back(size, static_cast<char*>(p));
      kept_ += size;
      return;
    }
  }
  munmap(p, size);
}

size_t HugePagePool::kept_bytes() const {
  std::lock_guard<std::mutex> l(mu_);
  return kept_;
}

}  // namespace silt::store
