// Letter 4-grams (store/part_index_format.md): what the part index's block
// filters hold, and the Bloom filter probes they use. Pure functions;
// thread-safe.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace silt::store {

// Appends the codes of the grams of `text`'s letter runs to *out (with
// repeats).
void AppendGrams(std::string_view text, std::vector<uint32_t>* out);

// The distinct gram codes a line must contain to contain `literal`
// (empty: the literal cannot rule a block out).
std::vector<uint32_t> LiteralGrams(std::string_view literal);

// A Bloom filter of `bits` bits (any count) probed `probes` times; probe i
// is bit ((h1 + i * h2) mod 2^32) * bits / 2^32 with h1 the low and h2 the
// high half of `hash` (h2 made odd).
void FilterAdd(uint8_t* filter, uint64_t bits, uint32_t probes, uint64_t hash);
bool FilterMayContain(const uint8_t* filter, uint64_t bits, uint32_t probes,
                      uint64_t hash);
uint64_t GramHash(uint32_t code);

}  // namespace silt::store
