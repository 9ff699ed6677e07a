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

}  // namespace silt::store
