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

inline constexpr size_t kIndexFooterSize = 96;
// Block filters: about 6 bits per distinct gram, at most 4 KiB of bits.
inline constexpr uint32_t kFilterBitsPerGram = 6;
inline constexpr uint32_t kMinFilterBitBytes = 8;
inline constexpr uint32_t kMaxFilterBitBytes = 4096;
inline constexpr uint32_t kMaxFilterProbes = 4;
// Trace table: about this many ids per hash bucket.
inline constexpr uint32_t kIdsPerBucket = 16;
inline constexpr size_t kBucketSize = 8;  // fixed32 first entry, postings
// The in-memory trace filter.
inline constexpr uint32_t kTraceBloomBitsPerId = 10;
inline constexpr uint32_t kTraceBloomProbes = 7;

// Footer field offsets.
inline constexpr size_t kIdxPartSize = 0;
inline constexpr size_t kIdxPartFooterSum = 8;
inline constexpr size_t kIdxNumBlocks = 16;
inline constexpr size_t kIdxNumTraces = 20;
inline constexpr size_t kIdxFiltersOffset = 24;
inline constexpr size_t kIdxBucketsOffset = 32;
inline constexpr size_t kIdxNumBuckets = 40;
inline constexpr size_t kIdxVersion = 44;
inline constexpr size_t kIdxFingerprintsOffset = 48;
inline constexpr size_t kIdxPostingsOffset = 56;
inline constexpr size_t kIdxBodyChecksum = 64;
inline constexpr size_t kIdxGramKind = 72;
inline constexpr size_t kIdxReserved = 76;
inline constexpr size_t kIdxFooterChecksum = 80;  // of footer[0..80)
inline constexpr size_t kIdxMagic = 88;

inline constexpr const char* kPartIndexSuffix = ".pidx";

}  // namespace silt::store
