// gzip (and zlib) compression for HTTP request bodies and clients, on zlib.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace silt {

// Decompresses a gzip stream (several concatenated members are allowed) or a
// zlib stream. kInvalidArgument for a corrupt or truncated stream,
// kResourceExhausted as soon as the output would pass `max_output_bytes`
// (so a small "zip bomb" body cannot take the memory).
absl::StatusOr<std::string> GzipDecompress(std::string_view in,
                                           size_t max_output_bytes);

// gzip-compresses `in` at `level` (1 fastest .. 9 smallest).
absl::StatusOr<std::string> GzipCompress(std::string_view in, int level = 6);

}  // namespace silt
