// Value conversions LogQL applies to label values and literals: Go
// durations (time.ParseDuration, plus Prometheus' d/w/y), byte sizes (as
// go-humanize's ParseBytes) and floats (strconv.ParseFloat). Pure
// functions; thread-safe.
#pragma once

#include <optional>
#include <string_view>

namespace silt::query {

// "1.5s", "1h30m", "250ms", "2us", "-3m", "1d"; seconds, or nullopt.
std::optional<double> ParseGoDurationSeconds(std::string_view s);

// "10", "1.5KB" (1500), "2KiB" (2048), "3 MB", "1k"; units are
// case-insensitive, as in go-humanize. Bytes, or nullopt.
std::optional<double> ParseHumanBytes(std::string_view s);

// A float as strconv.ParseFloat reads it ("1", "-2.5e3", "0x1p-2", "NaN",
// "+Inf"); surrounding spaces are not allowed. nullopt otherwise.
std::optional<double> ParseFloat(std::string_view s);

}  // namespace silt::query
