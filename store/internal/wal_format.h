// Constants of the WAL segment format (store/wal_format.md).
#pragma once

#include <cstdint>

namespace silt::store {

// Bytes "silt-wal" read as a little-endian fixed64.
inline constexpr uint64_t kWalMagic = 0x6c61772d746c6973ull;
inline constexpr uint32_t kWalVersion = 1;
inline constexpr size_t kWalHeaderSize = 16;
// fixed32 len + fixed64 checksum.
inline constexpr size_t kWalRecordHeaderSize = 12;
// A record larger than this is treated as corrupt rather than allocated.
inline constexpr uint32_t kWalMaxRecordBytes = 1u << 30;

inline constexpr const char* kWalSuffix = ".wal";

}  // namespace silt::store
