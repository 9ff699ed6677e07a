// Detection of credit_card candidates without Hyperscan: every end of a
// match of `[2-6][\d \-]{12}` (an issuer digit, then twelve digits, spaces
// or dashes), found with AVX2 byte classes and bit runs, 64 bytes a step.
//
// Hyperscan has no literal to anchor this pattern on and runs an automaton
// over every byte at about 1 GB/s on log lines, ten times slower than the
// rest of the detection database; this scan reports the same match ends at
// several GB/s. See redact_format.md, "Detect".
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace silt::redact::internal {

// Bytes of one 64-byte step: bit i of *cls is set when p[i] is a digit, a
// space or a dash; bit i of *issuer when p[i] is 2-6.
inline void CardClasses(const char* p, uint64_t* cls, uint64_t* issuer) {
  const __m256i zero_ch = _mm256_set1_epi8('0');
  const __m256i nine = _mm256_set1_epi8(9);
  const __m256i two_ch = _mm256_set1_epi8('2');
  const __m256i four = _mm256_set1_epi8(4);
  const __m256i space = _mm256_set1_epi8(' ');
  const __m256i dash = _mm256_set1_epi8('-');
  uint64_t c[2], s[2];
  for (int h = 0; h < 2; ++h) {
    const __m256i x =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * h));
    // Unsigned range tests: (x - lo) <= span.
    const __m256i d = _mm256_sub_epi8(x, zero_ch);
    const __m256i digit = _mm256_cmpeq_epi8(_mm256_min_epu8(d, nine), d);
    const __m256i i = _mm256_sub_epi8(x, two_ch);
    const __m256i iss = _mm256_cmpeq_epi8(_mm256_min_epu8(i, four), i);
    const __m256i sep = _mm256_or_si256(_mm256_cmpeq_epi8(x, space),
                                        _mm256_cmpeq_epi8(x, dash));
    c[h] = static_cast<uint32_t>(
        _mm256_movemask_epi8(_mm256_or_si256(digit, sep)));
    s[h] = static_cast<uint32_t>(_mm256_movemask_epi8(iss));
  }
  *cls = c[0] | (c[1] << 32);
  *issuer = s[0] | (s[1] << 32);
}

// Calls on_end(e) for every e such that data[e-13, e) matches
// `[2-6][\d \-]{12}`, in increasing order (e is past the match's last
// byte, as Hyperscan reports it).
template <typename F>
void ScanCardRuns(const char* data, size_t n, F&& on_end) {
  // Bit j of a step's word is byte base + j. Each shift by k pulls the top
  // k bits of the previous step's word in, so runs cross steps.
  uint64_t prev_cls = 0, prev_r2 = 0, prev_r4 = 0, prev_issuer = 0;
  auto shl = [](uint64_t cur, uint64_t prev, int k) {
    return (cur << k) | (prev >> (64 - k));
  };
  alignas(32) char tail[64];
  for (size_t base = 0; base < n; base += 64) {
    const char* p = data + base;
    if (n - base < 64) {
      // Zero bytes are in no class: nothing matches past the end.
      std::memset(tail, 0, sizeof(tail));
      std::memcpy(tail, p, n - base);
      p = tail;
    }
    uint64_t cls, issuer;
    CardClasses(p, &cls, &issuer);
    if (cls == 0) {  // every run word below would be 0
      prev_cls = prev_r2 = prev_r4 = prev_issuer = 0;
      continue;
    }
    // rK: bit j set when bytes j-K+1..j are all in the class.
    const uint64_t r2 = cls & shl(cls, prev_cls, 1);
    const uint64_t r4 = r2 & shl(r2, prev_r2, 2);
    const uint64_t r8 = r4 & shl(r4, prev_r4, 4);
    const uint64_t r12 = r8 & shl(r4, prev_r4, 8);
    uint64_t ends = r12 & shl(issuer, prev_issuer, 12);
    prev_cls = cls;
    prev_r2 = r2;
    prev_r4 = r4;
    prev_issuer = issuer;
    while (ends != 0) {
      const size_t j = static_cast<size_t>(__builtin_ctzll(ends));
      on_end(base + j + 1);
      ends &= ends - 1;
    }
  }
}

}  // namespace silt::redact::internal
