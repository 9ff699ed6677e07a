#include "redact/internal/digit_runs.h"

#include <cstring>

#include "redact/internal/locators.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace silt::redact::internal {
namespace {

// Run state carried from one 64-byte block to the next: the previous
// block's run bits and partial products, so each product is exact.
struct RunState {
  uint64_t m = 0, r2 = 0, r4 = 0, r13 = 0;
  uint64_t d63 = 0;  // the previous block's last byte is a digit
};

// v shifted left by k, the top k bits of `prev` shifted in from below.
inline uint64_t Sh(uint64_t v, uint64_t prev, int k) {
  return (v << k) | (prev >> (64 - k));
}

// One block: `d` and `s` have bit i set when byte i is a digit / a space or
// '-'. Reports where runs of digits and separators reach kCardRunBytes.
__attribute__((always_inline)) inline void Step(uint64_t d, uint64_t s,
                                                size_t base, RunState* st,
                                                std::vector<uint32_t>* out) {
  const uint64_t m = d | (s & ((d << 1) | st->d63));
  // r<k> bit i: the k bytes ending at i are all run bytes.
  const uint64_t r2 = m & Sh(m, st->m, 1);
  const uint64_t r4 = r2 & Sh(r2, st->r2, 2);
  const uint64_t r8 = r4 & Sh(r4, st->r4, 4);
  const uint64_t r13 = r8 & Sh(r4, st->r4, 8) & Sh(m, st->m, 12);
  uint64_t first = r13 & ~Sh(r13, st->r13, 1);
  while (first != 0) {
    out->push_back(static_cast<uint32_t>(base) +
                   static_cast<uint32_t>(__builtin_ctzll(first)));
    first &= first - 1;
  }
  st->m = m;
  st->r2 = r2;
  st->r4 = r4;
  st->r13 = r13;
  st->d63 = d >> 63;
}

inline void MasksAvx2(const char* p, uint64_t* digits, uint64_t* seps) {
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

void ScanAvx2(const char* data, size_t n, std::vector<uint32_t>* out) {
  RunState st;
  char tail[64];
  for (size_t i = 0; i < n; i += 64) {
    const char* p = data + i;
    if (n - i < 64) {
      std::memset(tail, 0, sizeof(tail));
      std::memcpy(tail, p, n - i);
      p = tail;
    }
    uint64_t d, s;
    MasksAvx2(p, &d, &s);
    Step(d, s, i, &st, out);
  }
}

#if defined(__x86_64__)
// AVX-512BW compares give the 64-bit masks directly (picked at run time;
// the build's baseline is AVX2).
__attribute__((target("avx512f,avx512bw"))) void ScanAvx512(
    const char* data, size_t n, std::vector<uint32_t>* out) {
  const __m512i zero = _mm512_set1_epi8('0');
  const __m512i nine = _mm512_set1_epi8(9);
  const __m512i space = _mm512_set1_epi8(' ');
  const __m512i dash = _mm512_set1_epi8('-');
  RunState st;
  for (size_t i = 0; i < n; i += 64) {
    const size_t left = n - i;
    // A masked load reads nothing past data[n).
    const __mmask64 valid =
        left >= 64 ? ~__mmask64{0} : (__mmask64{1} << left) - 1;
    const __m512i v = _mm512_maskz_loadu_epi8(valid, data + i);
    const uint64_t d =
        _mm512_cmple_epu8_mask(_mm512_sub_epi8(v, zero), nine) & valid;
    const uint64_t s =
        _mm512_cmpeq_epi8_mask(v, space) | _mm512_cmpeq_epi8_mask(v, dash);
    Step(d, s, i, &st, out);
  }
}
#endif

}  // namespace

void FindLongDigitRuns(const char* data, size_t n, std::vector<uint32_t>* out) {
#if defined(__x86_64__)
  static const bool avx512 = __builtin_cpu_supports("avx512bw");
  if (avx512) {
    ScanAvx512(data, n, out);
    return;
  }
#endif
  ScanAvx2(data, n, out);
}

void FindCardRuns(const char* data, size_t n, std::vector<uint32_t>* runs,
                  std::vector<uint32_t>* out) {
  runs->clear();
  FindLongDigitRuns(data, n, runs);
  auto digit = [&](size_t i) { return data[i] >= '0' && data[i] <= '9'; };
  std::vector<Span> spans;
  size_t covered = 0;
  for (const uint32_t at : *runs) {
    if (at < covered) continue;  // the same run, reported again
    // The run started kCardRunBytes - 1 bytes before; it runs on through
    // digits and single separators between digits.
    const size_t start = at + 1 - kCardRunBytes;
    size_t end = at + 1;
    while (end < n &&
           (digit(end) || ((data[end] == ' ' || data[end] == '-') &&
                           end + 1 < n && digit(end + 1) && digit(end - 1)))) {
      ++end;
    }
    covered = end;
    spans.clear();
    LocateCreditCards(std::string_view(data + start, end - start), 0, &spans);
    if (!spans.empty()) out->push_back(static_cast<uint32_t>(start));
  }
}

}  // namespace silt::redact::internal
