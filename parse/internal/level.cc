#include "parse/internal/level.h"

#include <cstring>

namespace silt::parse::internal {
namespace {

constexpr std::string_view kTrace = "trace";
constexpr std::string_view kDebug = "debug";
constexpr std::string_view kInfo = "info";
constexpr std::string_view kWarn = "warn";
constexpr std::string_view kError = "error";
constexpr std::string_view kFatal = "fatal";

struct Spelling {
  std::string_view text;  // lower case
  std::string_view level;
};

// Lower-case spellings seen in the wild (logrus, zap, slog, log4j, JUL,
// glog, Android, syslog, Python logging, Serilog, .NET).
constexpr Spelling kSpellings[] = {
    {"trace", kTrace},      {"trc", kTrace},
    {"finest", kTrace},     {"verbose", kTrace},
    {"v", kTrace},          {"t", kTrace},
    {"debug", kDebug},      {"dbg", kDebug},
    {"d", kDebug},          {"fine", kDebug},
    {"finer", kDebug},      {"info", kInfo},
    {"inf", kInfo},         {"i", kInfo},
    {"information", kInfo}, {"informational", kInfo},
    {"notice", kInfo},      {"n", kInfo},
    {"config", kInfo},      {"warn", kWarn},
    {"warning", kWarn},     {"wrn", kWarn},
    {"w", kWarn},           {"error", kError},
    {"err", kError},        {"eror", kError},
    {"e", kError},          {"severe", kError},
    {"fatal", kFatal},      {"ftl", kFatal},
    {"f", kFatal},          {"critical", kFatal},
    {"crit", kFatal},       {"crt", kFatal},
    {"c", kFatal},          {"alert", kFatal},
    {"emerg", kFatal},      {"emergency", kFatal},
    {"panic", kFatal},      {"dpanic", kFatal},
    {"a", kFatal},          {"assert", kFatal},
};

constexpr size_t kMaxSpelling = 16;

bool ParseSmallInt(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 6) return false;
  size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size()) return false;
  int64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = s[0] == '-' ? -v : v;
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

std::string_view LevelFromNumber(int64_t n) {
  if (n < 0) return {};
  if (n <= 2) return kFatal;
  if (n <= 7) {
    static constexpr std::string_view kSyslog[] = {kError, kWarn, kInfo, kInfo,
                                                   kDebug};
    return kSyslog[n - 3];
  }
  if (n < 10) return {};
  if (n < 20) return kTrace;
  if (n < 30) return kDebug;
  if (n < 40) return kInfo;
  if (n < 50) return kWarn;
  if (n < 60) return kError;
  return kFatal;
}

std::string_view OtelSeverityLevel(int64_t n) {
  if (n < 1 || n > 24) return {};
  static constexpr std::string_view kByQuarter[] = {kTrace, kDebug, kInfo,
                                                    kWarn,  kError, kFatal};
  return kByQuarter[(n - 1) / 4];
}

std::string_view NormalizeLevel(std::string_view raw, std::string* scratch) {
  raw = Trim(raw);
  if (raw.size() <= kMaxSpelling) {
    char lower[kMaxSpelling];
    for (size_t i = 0; i < raw.size(); ++i) {
      char c = raw[i];
      lower[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    }
    const std::string_view key(lower, raw.size());
    for (const Spelling& s : kSpellings) {
      if (s.text.size() == key.size() && s.text[0] == key[0] && s.text == key) {
        return s.level;
      }
    }
    int64_t n;
    if (ParseSmallInt(raw, &n)) {
      std::string_view level = LevelFromNumber(n);
      if (!level.empty()) return level;
    }
  }
  scratch->assign(raw.data(), raw.size());
  for (char& c : *scratch) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return *scratch;
}

}  // namespace silt::parse::internal
