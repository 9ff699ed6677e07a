// Conversions of extracted field values: timestamps, W3C traceparent, and
// label value cutting. Pure functions; thread-safe; no allocation.
#pragma once

#include <cstdint>
#include <string_view>

namespace silt::parse::internal {

// A timestamp field's value. `is_number`: the JSON value was a number (its
// raw text is given). Accepts RFC3339/RFC3339Nano strings and epoch numbers
// or numeric strings in s/ms/us/ns (unit by magnitude, see
// silt::EpochIntToNanos), fractions included ("1714557600.123"). Returns
// false for anything else, negative times and 0.
bool ParseTimestampValue(std::string_view text, bool is_number, int64_t* ns);

// ParseTimestampValue with a memo of the last RFC3339 hour: lines of a
// batch mostly share "YYYY-MM-DDThh", so a string of the common shape
// "<that hour>:mm:ss[.digits](Z|z)" costs minutes, seconds and fraction.
// Anything else goes through ParseTimestampValue; the answer is the same.
// One per thread.
class TimestampParser {
 public:
  bool Parse(std::string_view text, bool is_number, int64_t* ns);

 private:
  bool FastPath(std::string_view text, int64_t* ns);

  char hour_[13] = {};
  int64_t hour_ns_ = 0;  // > 0 when hour_ holds a valid hour
};

// W3C trace context: "00-<32 hex trace id>-<16 hex span id>-<2 hex flags>".
// Version ff and all-zero ids are invalid. Future versions (not 00) may
// carry more fields after the flags; they are ignored.
bool ParseTraceparent(std::string_view text, std::string_view* trace_id,
                      std::string_view* span_id);

// `s` cut to at most `max_bytes`, without splitting a UTF-8 sequence.
std::string_view CutUtf8(std::string_view s, size_t max_bytes);

}  // namespace silt::parse::internal
