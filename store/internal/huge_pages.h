// Memory mapped on its own (not from malloc's heap), 2 MiB aligned and
// marked for transparent huge pages: first touch then costs one fault per
// 2 MiB instead of one per 4 KiB.
#pragma once

#include <cstddef>

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

}  // namespace silt::store
