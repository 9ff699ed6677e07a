// Constants of the WAL segment format (store/wal_format.md).
#pragma once

#include <cstdint>

namespace silt::store {

// Bytes "silt-wal" read as a little-endian fixed64.
inline constexpr uint64_t kWalMagic = 0x6c61772d746c6973ull;
inline constexpr uint32_t kWalVersion = 2;
// Version 1 segments (no pads, no sector padding) are still replayed.
inline constexpr uint32_t kWalVersion1 = 1;
// A record length with this bit set is a pad of (len & ~kWalPadFlag) bytes
// in all (version 2).
inline constexpr uint32_t kWalPadFlag = 0x80000000u;
inline constexpr uint32_t kWalMinPad = 4;
inline constexpr uint32_t kWalMaxPad = 8192;
// Direct I/O alignments above this are not used (buffered writes instead).
inline constexpr size_t kWalMaxDirectAlign = 4096;
inline constexpr size_t kWalHeaderSize = 16;
// fixed32 len + fixed64 checksum.
inline constexpr size_t kWalRecordHeaderSize = 12;
// A record larger than this is treated as corrupt rather than allocated.
inline constexpr uint32_t kWalMaxRecordBytes = 1u << 30;

inline constexpr const char* kWalSuffix = ".wal";

}  // namespace silt::store
