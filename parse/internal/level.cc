#include "parse/internal/level.h"

#include <cstring>
#include <iterator>

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

// kSpellings grouped by first letter, so a lookup compares a handful of
// candidates instead of scanning all of them.
struct SpellingIndex {
  SpellingIndex() {
    size_t n = 0;
    for (char c = 'a'; c <= 'z'; ++c) {
      start[c - 'a'] = n;
      for (const Spelling& s : kSpellings) {
        if (s.text[0] == c) sorted[n++] = s;
      }
    }
    start[26] = n;
  }
  std::string_view Find(std::string_view key) const {
    if (key.empty() || key[0] < 'a' || key[0] > 'z') return {};
    const size_t c = static_cast<size_t>(key[0] - 'a');
    for (size_t i = start[c]; i < start[c + 1]; ++i) {
      if (sorted[i].text == key) return sorted[i].level;
    }
    return {};
  }
  Spelling sorted[std::size(kSpellings)];
  size_t start[27];
};

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

namespace {

// The six level names themselves, in any case, compared as one word:
// OR-ing 0x20 into each byte lowers ASCII letters and maps no other byte
// onto a lower-case letter, so it is exact against all-letter words.
constexpr uint64_t Word(std::string_view s) {
  uint64_t w = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    w |= static_cast<uint64_t>(static_cast<unsigned char>(s[i])) << (8 * i);
  }
  return w;
}

std::string_view CanonicalName(std::string_view raw) {
  if (raw.size() != 4 && raw.size() != 5) return {};
  uint64_t w = 0;
  std::memcpy(&w, raw.data(), raw.size());
  w |= raw.size() == 4 ? 0x20202020ull : 0x2020202020ull;
  switch (w) {
    case Word(kInfo):
      return kInfo;
    case Word(kWarn):
      return kWarn;
    case Word(kDebug):
      return kDebug;
    case Word(kError):
      return kError;
    case Word(kTrace):
      return kTrace;
    case Word(kFatal):
      return kFatal;
  }
  return {};
}

}  // namespace

std::string_view NormalizeLevel(std::string_view raw, std::string* scratch) {
  if (std::string_view canonical = CanonicalName(raw); !canonical.empty()) {
    return canonical;
  }
  raw = Trim(raw);
  if (raw.size() <= kMaxSpelling) {
    char lower[kMaxSpelling];
    for (size_t i = 0; i < raw.size(); ++i) {
      char c = raw[i];
      lower[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    }
    static const SpellingIndex* index = new SpellingIndex();
    const std::string_view found =
        index->Find(std::string_view(lower, raw.size()));
    if (!found.empty()) return found;
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
