#include "store/internal/grams.h"

#include <algorithm>
#include <cstring>

#include "xxhash.h"

namespace silt::store {
namespace {

// 1..26 for ASCII letters (either case), 0 otherwise.
struct LetterTable {
  uint8_t code[256] = {};
  constexpr LetterTable() {
    for (int c = 'a'; c <= 'z'; ++c) {
      code[c] = static_cast<uint8_t>(c - 'a' + 1);
      code[c - 'a' + 'A'] = static_cast<uint8_t>(c - 'a' + 1);
    }
  }
};
constexpr LetterTable kLetters;

}  // namespace

void AppendGrams(std::string_view text, std::vector<uint32_t>* out) {
  uint32_t window = 0;  // the last letters, 5 bits each
  int run = 0;
  for (unsigned char c : text) {
    const uint32_t l = kLetters.code[c];
    if (l == 0) {
      run = 0;
      continue;
    }
    window = ((window << 5) | l) & 0xFFFFF;
    if (++run >= 4) out->push_back(window);
  }
}

std::vector<uint32_t> LiteralGrams(std::string_view literal) {
  std::vector<uint32_t> out;
  AppendGrams(literal, &out);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

uint64_t GramHash(uint32_t code) {
  char buf[4];
  std::memcpy(buf, &code, 4);  // fixed32, little-endian
  return XXH3_64bits(buf, sizeof(buf));
}

namespace {
inline uint64_t Probe(uint64_t hash, uint32_t i, uint64_t bits) {
  const uint32_t h1 = static_cast<uint32_t>(hash);
  const uint32_t h2 = static_cast<uint32_t>(hash >> 32) | 1;
  const uint32_t x = h1 + i * h2;
  return (static_cast<uint64_t>(x) * bits) >> 32;
}
}  // namespace

void FilterAdd(uint8_t* filter, uint64_t bits, uint32_t probes, uint64_t hash) {
  for (uint32_t i = 0; i < probes; ++i) {
    const uint64_t bit = Probe(hash, i, bits);
    filter[bit >> 3] |= static_cast<uint8_t>(1u << (bit & 7));
  }
}

bool FilterMayContain(const uint8_t* filter, uint64_t bits, uint32_t probes,
                      uint64_t hash) {
  for (uint32_t i = 0; i < probes; ++i) {
    const uint64_t bit = Probe(hash, i, bits);
    if ((filter[bit >> 3] & (1u << (bit & 7))) == 0) return false;
  }
  return true;
}

}  // namespace silt::store
