#include "common/find.h"

#include <immintrin.h>
#include <string.h>

namespace silt {

const char* FindSubstring(std::string_view hay, std::string_view needle) {
  const size_t n = hay.size(), k = needle.size();
  const char* h = hay.data();
  if (k == 0) return h;
  if (k > n) return nullptr;
  if (k == 1) return static_cast<const char*>(memchr(h, needle[0], n));
  const __m256i first = _mm256_set1_epi8(needle[0]);
  const __m256i last = _mm256_set1_epi8(needle[k - 1]);
  // Each round looks at the 32 start positions i..i+31; the loads read up
  // to i + 31 + k - 1 < n.
  auto window = [&](size_t i) -> const char* {
    const __m256i a =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h + i));
    const __m256i b =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h + i + k - 1));
    uint32_t mask = static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_and_si256(
        _mm256_cmpeq_epi8(a, first), _mm256_cmpeq_epi8(b, last))));
    while (mask != 0) {
      const unsigned bit = static_cast<unsigned>(__builtin_ctz(mask));
      if (memcmp(h + i + bit + 1, needle.data() + 1, k - 2) == 0) {
        return h + i + bit;
      }
      mask &= mask - 1;
    }
    return nullptr;
  };
  if (n < 32 + k - 1) {
    // Too short for one window: the same filter, one position at a time.
    for (size_t i = 0; i + k <= n; ++i) {
      if (h[i] == needle[0] && h[i + k - 1] == needle[k - 1] &&
          memcmp(h + i + 1, needle.data() + 1, k - 2) == 0) {
        return h + i;
      }
    }
    return nullptr;
  }
  const size_t last_start = n - k - 31;  // the last full window
  for (size_t i = 0; i < last_start; i += 32) {
    if (const char* hit = window(i)) return hit;
  }
  // The last window overlaps the previous one; positions there already
  // failed, so its first hit is still the first occurrence.
  return window(last_start);
}

}  // namespace silt
