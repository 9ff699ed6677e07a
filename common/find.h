// Substring search for line filters and block scans: AVX2 first/last byte
// candidates (W. Muła's "SIMD-friendly algorithm for substring
// searching"), verified with memcmp. Pure functions; thread-safe.
#pragma once

#include <string_view>

namespace silt {

// The first occurrence of `needle` in `hay`, or nullptr. An empty needle
// matches at hay.data().
const char* FindSubstring(std::string_view hay, std::string_view needle);

}  // namespace silt
