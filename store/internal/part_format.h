// Constants of the part file format, shared by PartWriter and PartReader.
// The format is described in store/part_format.md; change both together.
#pragma once

#include <cstdint>

namespace silt::store {

// Bytes "slt-part" read as a little-endian fixed64.
inline constexpr uint64_t kPartMagic = 0x747261702d746c73ull;
inline constexpr uint32_t kPartVersion = 1;

inline constexpr size_t kPartFooterSize = 104;
inline constexpr size_t kBlockHandleSize = 24;
inline constexpr size_t kRunSize = 40;

// Sections of a block payload, in order. Every section size is a varint in
// the block header after the entry count.
enum BlockSection : int {
  kSecTs = 0,    // zigzag ts deltas
  kSecLineLen,   // stored (cut) line lengths
  kSecTrace,     // 0: none, else 1 + zigzag(trace index - previous index)
  kSecTracePos,  // 0: not cut from the line, else cut position + 1
  kSecSpanLen,   // span id lengths
  kSecSpanPos,   // 0: literal in kSecSpans, else cut position + 1
  kSecTsText,    // 0: not cut, else 1 + position * kNumTsForms + form
  kSecMetaLen,   // metadata lengths
  kSecLines,     // stored lines, concatenated
  kSecSpans,     // literal span ids, concatenated
  kSecMetas,     // metadata, concatenated
  kNumSections,
};

// Footer field offsets.
inline constexpr size_t kFooterBlockTableOffset = 0;
inline constexpr size_t kFooterNumBlocks = 8;
inline constexpr size_t kFooterNumRuns = 12;
inline constexpr size_t kFooterRunIndexOffset = 16;
inline constexpr size_t kFooterStreamTableOffset = 24;
inline constexpr size_t kFooterMetaChecksum = 32;
inline constexpr size_t kFooterMinTs = 40;
inline constexpr size_t kFooterMaxTs = 48;
inline constexpr size_t kFooterTraceTableOffset = 56;
inline constexpr size_t kFooterTraceTableStored = 64;
inline constexpr size_t kFooterTraceTableRaw = 68;
inline constexpr size_t kFooterTraceTableChecksum = 72;
inline constexpr size_t kFooterNumTraces = 80;
inline constexpr size_t kFooterVersion = 84;
inline constexpr size_t kFooterChecksum = 88;
inline constexpr size_t kFooterMagic = 96;

inline constexpr const char* kPartSuffix = ".part";
inline constexpr const char* kTmpSuffix = ".tmp";

}  // namespace silt::store
