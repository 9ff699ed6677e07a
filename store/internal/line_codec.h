// Reversible cuts that take redundant bytes out of a line before it goes
// into a block (store/part_format.md, "line cuts"): the trace id, the span
// id, and the RFC3339 text of the entry's own timestamp. Each is stored once
// elsewhere (trace table, span column, ts column) and put back on decode.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace silt::store {

// Timestamp text forms: "YYYY-MM-DDTHH:MM:SSZ", with 3, 6 or 9 fraction
// digits before the Z.
inline constexpr int kNumTsForms = 4;

// Writes the text of `ts_ns` in `form` to buf (>= 32 bytes); returns its
// length, or 0 if ts_ns cannot be written in that form exactly.
size_t FormatTsText(int64_t ts_ns, int form, char* buf);

// Looks for the text of ts_ns in `line`. Returns true and sets *pos, *form,
// *len if found.
bool FindTsText(std::string_view line, int64_t ts_ns, size_t* pos, int* form,
                size_t* len);

}  // namespace silt::store
