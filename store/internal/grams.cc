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

void FilterAdd(uint8_t* filter, uint32_t bytes, uint32_t probes,
               uint64_t hash) {
  const uint64_t mask = static_cast<uint64_t>(bytes) * 8 - 1;
  const uint64_t h1 = hash & 0xffffffffu, h2 = (hash >> 32) | 1;
  for (uint32_t i = 0; i < probes; ++i) {
    const uint64_t bit = (h1 + i * h2) & mask;
    filter[bit >> 3] |= static_cast<uint8_t>(1u << (bit & 7));
  }
}

bool FilterMayContain(const uint8_t* filter, uint32_t bytes, uint32_t probes,
                      uint64_t hash) {
  const uint64_t mask = static_cast<uint64_t>(bytes) * 8 - 1;
  const uint64_t h1 = hash & 0xffffffffu, h2 = (hash >> 32) | 1;
  for (uint32_t i = 0; i < probes; ++i) {
    const uint64_t bit = (h1 + i * h2) & mask;
    if ((filter[bit >> 3] & (1u << (bit & 7))) == 0) return false;
  }
  return true;
}

}  // namespace silt::store
