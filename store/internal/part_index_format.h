// Constants of the part index (sidecar) format, shared by its writer and
// reader in part_index.cc. Described in store/part_index_format.md.
#pragma once

#include <cstddef>
#include <cstdint>

namespace silt::store {

// Bytes "slt-pidx" read as a little-endian fixed64.
inline constexpr uint64_t kPartIndexMagic = 0x786469702d746c73ull;
inline constexpr uint32_t kPartIndexVersion = 1;
inline constexpr uint32_t kGramKindLetters4 = 1;

inline constexpr size_t kIndexFooterSize = 80;
inline constexpr size_t kTraceEntrySize = 16;
inline constexpr uint32_t kMinFilterBytes = 64;
inline constexpr uint32_t kMaxFilterBytes = 65536;
inline constexpr uint32_t kFilterBitsPerGram = 6;
inline constexpr uint32_t kFilterProbes = 3;
inline constexpr uint32_t kTraceBloomBitsPerId = 10;
inline constexpr uint32_t kTraceBloomProbes = 7;

// Footer field offsets.
inline constexpr size_t kIdxPartSize = 0;
inline constexpr size_t kIdxPartFooterSum = 8;
inline constexpr size_t kIdxNumBlocks = 16;
inline constexpr size_t kIdxFilterBytes = 20;
inline constexpr size_t kIdxFilterProbes = 24;
inline constexpr size_t kIdxNumTraces = 28;
inline constexpr size_t kIdxTraceTableOffset = 32;
inline constexpr size_t kIdxPostingsOffset = 40;
inline constexpr size_t kIdxBodyChecksum = 48;
inline constexpr size_t kIdxVersion = 56;
inline constexpr size_t kIdxGramKind = 60;
inline constexpr size_t kIdxFooterChecksum = 64;
inline constexpr size_t kIdxMagic = 72;

inline constexpr const char* kPartIndexSuffix = ".pidx";

}  // namespace silt::store
