// silt's own log: one JSON object per line on stderr
// ({"ts":"...","level":"info","msg":"...", ...fields}). Thread-safe.
#pragma once

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace silt {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

void SetLogLevel(LogLevel level);

// Applied to the message and to every field value before a line is written,
// so silt's own log holds no secret (the server installs the redact stage
// here). Not applied to fields whose values silt chose itself: http, tcp,
// listen, data_dir, version, signal. Must not log. Null removes it.
using LogFilter = std::function<std::string(std::string_view)>;
void SetLogFilter(LogFilter filter);

// Fields are (key, value) string pairs; values are JSON-escaped.
void Log(LogLevel level, std::string_view msg,
         std::initializer_list<std::pair<std::string_view, std::string>>
             fields = {});

inline void LogInfo(
    std::string_view msg,
    std::initializer_list<std::pair<std::string_view, std::string>> fields =
        {}) {
  Log(LogLevel::kInfo, msg, fields);
}
inline void LogWarn(
    std::string_view msg,
    std::initializer_list<std::pair<std::string_view, std::string>> fields =
        {}) {
  Log(LogLevel::kWarn, msg, fields);
}
inline void LogError(
    std::string_view msg,
    std::initializer_list<std::pair<std::string_view, std::string>> fields =
        {}) {
  Log(LogLevel::kError, msg, fields);
}

// Appends `s` to `out` as the body of a JSON string (no quotes): escapes
// quotes, backslashes and control characters; invalid UTF-8 bytes become
// U+FFFD so the output is always valid JSON.
void AppendJsonEscaped(std::string* out, std::string_view s);

}  // namespace silt
