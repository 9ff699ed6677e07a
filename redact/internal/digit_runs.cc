#include "redact/internal/digit_runs.h"

#include <cstring>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace silt::redact::internal {
namespace {

// Bit i of *digits / *seps: byte i of the 64 at p is a digit / a space or '-'.
inline void Masks(const char* p, uint64_t* digits, uint64_t* seps) {
#if defined(__AVX2__)
  const __m256i zero = _mm256_set1_epi8('0');
  const __m256i nine = _mm256_set1_epi8(9);
  const __m256i space = _mm256_set1_epi8(' ');
  const __m256i dash = _mm256_set1_epi8('-');
  uint64_t d = 0, s = 0;
  for (int half = 0; half < 2; ++half) {
    const __m256i v =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * half));
    const __m256i t = _mm256_sub_epi8(v, zero);
    const __m256i is_digit = _mm256_cmpeq_epi8(_mm256_min_epu8(t, nine), t);
    const __m256i is_sep = _mm256_or_si256(_mm256_cmpeq_epi8(v, space),
                                           _mm256_cmpeq_epi8(v, dash));
    d |= uint64_t{static_cast<uint32_t>(_mm256_movemask_epi8(is_digit))}
         << (32 * half);
    s |= uint64_t{static_cast<uint32_t>(_mm256_movemask_epi8(is_sep))}
         << (32 * half);
  }
  *digits = d;
  *seps = s;
#else
  uint64_t d = 0, s = 0;
  for (int i = 0; i < 64; ++i) {
    const char c = p[i];
    if (c >= '0' && c <= '9') d |= uint64_t{1} << i;
    if (c == ' ' || c == '-') s |= uint64_t{1} << i;
  }
  *digits = d;
  *seps = s;
#endif
}

}  // namespace

void FindLongDigitRuns(const char* data, size_t n, std::vector<uint32_t>* out) {
  using u128 = unsigned __int128;
  uint64_t prev_m = 0;    // run bits of the previous 64 bytes
  uint64_t prev_d63 = 0;  // whether the previous block's last byte is a digit
  char tail[64];
  for (size_t i = 0; i < n; i += 64) {
    const char* p = data + i;
    if (n - i < 64) {
      std::memset(tail, 0, sizeof(tail));
      std::memcpy(tail, p, n - i);
      p = tail;
    }
    uint64_t d, s;
    Masks(p, &d, &s);
    const uint64_t m = d | (s & ((d << 1) | prev_d63));
    // r13 bit k: bits k-12..k of the 128-bit window (previous:current) are
    // all run bits. The high half covers this block's positions.
    const u128 x = (u128{m} << 64) | prev_m;
    const u128 r2 = x & (x << 1);
    const u128 r4 = r2 & (r2 << 2);
    const u128 r8 = r4 & (r4 << 4);
    const u128 r13 = r8 & (r4 << 8) & (x << 12);
    const uint64_t hits = static_cast<uint64_t>(r13 >> 64);
    if (hits != 0) {
      // Only where a run reaches its 13th byte.
      uint64_t first = hits & ~static_cast<uint64_t>((r13 << 1) >> 64);
      while (first != 0) {
        out->push_back(static_cast<uint32_t>(i) +
                       static_cast<uint32_t>(__builtin_ctzll(first)));
        first &= first - 1;
      }
    }
    prev_m = m;
    prev_d63 = d >> 63;
  }
}

}  // namespace silt::redact::internal
