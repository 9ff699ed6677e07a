// File names of the store: tenant escaping, UTC day directories, sequence
// numbered files. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace silt::store {

// Keeps [A-Za-z0-9_-], writes other bytes as %XX; "" becomes "%". The result
// is a valid, reversible directory name (never "." or "..").
std::string EscapeTenant(std::string_view tenant);
// Inverse of EscapeTenant; nullopt if `name` is not an escaped tenant.
std::optional<std::string> UnescapeTenant(std::string_view name);

// Days since the Unix epoch of `ts_ns` (floor, so negative ts work).
int64_t UtcDay(int64_t ts_ns);
// "YYYYMMDD" of a day number.
std::string DayName(int64_t day);

// "<seq zero-padded to 20 digits><suffix>" and its inverse.
std::string SeqFileName(uint64_t seq, std::string_view suffix);
std::optional<uint64_t> ParseSeqFileName(std::string_view name,
                                         std::string_view suffix);

}  // namespace silt::store
