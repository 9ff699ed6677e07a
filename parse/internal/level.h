// Level normalisation: maps the many spellings of a log level to one of
// trace|debug|info|warn|error|fatal. Pure functions; thread-safe.
//
// Rule for numbers (JSON numbers or numeric strings):
//   0..7   syslog severities (0-2 emerg/alert/crit -> fatal, 3 error,
//          4 warn, 5-6 notice/info -> info, 7 debug);
//   >= 10  bunyan/pino levels by decade (10 trace, 20 debug, 30 info,
//          40 warn, 50 error, 60+ fatal);
//   other numbers (8, 9, negatives, fractions) are kept as their text.
// OpenTelemetry severityNumber (1..24) collides with both, so it only has
// its own function, for sources that know the field is OTel's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace silt::parse::internal {

// Returns the canonical level for `raw` (a static string), or `raw`
// trimmed and lower-cased, written into *scratch, when it is not a known
// spelling. The result views static storage or *scratch.
std::string_view NormalizeLevel(std::string_view raw, std::string* scratch);

// The level of a numeric value under the rule above; "" when none.
std::string_view LevelFromNumber(int64_t n);

// OpenTelemetry severityNumber: 1-4 trace, 5-8 debug, 9-12 info, 13-16 warn,
// 17-20 error, 21-24 fatal; "" outside 1..24.
std::string_view OtelSeverityLevel(int64_t n);

}  // namespace silt::parse::internal
