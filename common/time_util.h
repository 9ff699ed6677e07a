// Time parsing and formatting shared by parse/ (timestamps in lines) and
// query/ (Loki's time and duration parameters). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace silt {

// Wall clock now, ns since the Unix epoch.
int64_t NowNanos();

// RFC3339 / RFC3339Nano ("2024-05-01T10:00:00.123456789Z", "+02:00"
// offsets, lower-case t/z, space instead of T). kInvalidArgument otherwise.
absl::StatusOr<int64_t> ParseRfc3339Nanos(std::string_view text);

// An epoch number of unknown unit, told apart by magnitude:
// seconds (< 1e11), milliseconds (< 1e14), microseconds (< 1e17), else ns.
int64_t EpochToNanos(double value);
int64_t EpochIntToNanos(int64_t value);

// Loki's time parameter: integer ns, float seconds ("1570818238.5"), or
// RFC3339. kInvalidArgument with a message naming the text otherwise.
absl::StatusOr<int64_t> ParseLokiTime(std::string_view text);

// Prometheus duration ("5m", "1h30m", "250ms", "1d", "1w", "1y") or a plain
// float number of seconds ("60"). Returns ns. kInvalidArgument otherwise.
absl::StatusOr<int64_t> ParseDuration(std::string_view text);

// "2024-05-01T10:00:00.123456789Z" (trailing zeros of the fraction kept off).
std::string FormatRfc3339Nanos(int64_t ns);

}  // namespace silt
