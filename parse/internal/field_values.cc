#include "parse/internal/field_values.h"

#include <cstdlib>
#include <cstring>
#include <limits>

#include "common/time_util.h"

namespace silt::parse::internal {
namespace {

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

inline bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!IsDigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

inline bool AllZero(std::string_view s) {
  for (char c : s) {
    if (c != '0') return false;
  }
  return true;
}

// "digits[.digits]" with the unit told by the magnitude of the integer part;
// an exponent form goes through double. Digits past ns resolution dropped.
bool ParseEpochText(std::string_view s, int64_t* ns) {
  size_t i = 0;
  int64_t whole = 0;
  int whole_digits = 0;
  while (i < s.size() && IsDigit(s[i])) {
    if (++whole_digits > 19) return false;
    whole = whole * 10 + (s[i] - '0');
    ++i;
  }
  if (whole_digits == 0) return false;
  int64_t frac = 0;
  int frac_digits = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    const size_t start = i;
    while (i < s.size() && IsDigit(s[i])) {
      if (frac_digits < 9) {
        frac = frac * 10 + (s[i] - '0');
        ++frac_digits;
      }
      ++i;
    }
    if (i == start) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    char buf[64];
    if (s.size() >= sizeof(buf)) return false;
    std::memcpy(buf, s.data(), s.size());
    buf[s.size()] = '\0';
    char* end = nullptr;
    const double v = std::strtod(buf, &end);
    if (end != buf + s.size() || !(v > 0)) return false;
    *ns = EpochToNanos(v);
    return *ns > 0;
  }
  if (i != s.size()) return false;
  int64_t unit;
  if (whole < 100000000000LL) {
    unit = 1000000000;
  } else if (whole < 100000000000000LL) {
    unit = 1000000;
  } else if (whole < 100000000000000000LL) {
    unit = 1000;
  } else {
    unit = 1;
  }
  static constexpr int64_t kPow10[] = {1,         10,        100,     1000,
                                       10000,     100000,    1000000, 10000000,
                                       100000000, 1000000000};
  int64_t out;
  if (__builtin_mul_overflow(whole, unit, &out)) return false;
  out += frac * unit / kPow10[frac_digits];
  if (out <= 0) return false;
  *ns = out;
  return true;
}

// Cheap shape check before the full RFC3339 parse: failures of
// ParseRfc3339Nanos allocate a message, so only near-certain inputs go in.
inline bool LooksLikeRfc3339(std::string_view s) {
  return s.size() >= 20 && IsDigit(s[0]) && IsDigit(s[3]) && s[4] == '-' &&
         s[7] == '-' && s[13] == ':' && s[16] == ':';
}

}  // namespace

bool ParseTimestampValue(std::string_view text, bool is_number, int64_t* ns) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' ||
                           text.back() == '\n' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  if (text.empty()) return false;
  if (is_number || !LooksLikeRfc3339(text)) return ParseEpochText(text, ns);
  absl::StatusOr<int64_t> parsed = ParseRfc3339Nanos(text);
  if (!parsed.ok() || *parsed <= 0) return false;
  *ns = *parsed;
  return true;
}

bool TimestampParser::Parse(std::string_view text, bool is_number,
                            int64_t* ns) {
  if (!is_number && FastPath(text, ns)) return true;
  return ParseTimestampValue(text, is_number, ns);
}

bool TimestampParser::FastPath(std::string_view text, int64_t* ns) {
  // "YYYY-MM-DDThh" then ":mm:ss" and "Z", or "." digits "Z"; no trailing
  // blanks.
  const size_t n = text.size();
  if (n < 20 || (text[n - 1] != 'Z' && text[n - 1] != 'z')) return false;
  const char* p = text.data();
  if (p[13] != ':' || p[16] != ':' || !IsDigit(p[14]) || !IsDigit(p[15]) ||
      !IsDigit(p[17]) || !IsDigit(p[18])) {
    return false;
  }
  const int64_t minute = (p[14] - '0') * 10 + (p[15] - '0');
  const int64_t second = (p[17] - '0') * 10 + (p[18] - '0');
  if (minute > 59 || second > 59) return false;
  int64_t frac = 0;
  if (n > 20) {
    if (p[19] != '.' || n < 22) return false;
    const size_t digits = n - 21;  // between '.' and 'Z'
    size_t i = 20;
    int64_t scale = 100000000;
    if (digits >= 8) {
      // Eight digits at once (SWAR); p[20, 28) is inside the text.
      uint64_t w;
      std::memcpy(&w, p + 20, 8);
      if ((w & 0xF0F0F0F0F0F0F0F0ull) != 0x3030303030303030ull ||
          ((w + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) !=
              0x3030303030303030ull) {
        return false;
      }
      w -= 0x3030303030303030ull;
      w = w * 10 + (w >> 8);  // pairs of digits
      w = (((w & 0x000000FF000000FFull) * (100 + (1000000ull << 32))) +
           (((w >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32)))) >>
          32;
      frac = static_cast<int64_t>(w) * 10;
      i = 28;
      scale = 1;
    }
    for (; i + 1 < n; ++i) {
      if (!IsDigit(p[i])) return false;
      frac += (p[i] - '0') * scale;
      scale /= 10;
    }
  }
  if (std::memcmp(p, hour_, sizeof(hour_)) != 0) {
    // A new hour: the general parser checks and converts it.
    char probe[20];
    std::memcpy(probe, p, sizeof(hour_));
    std::memcpy(probe + sizeof(hour_), ":00:00Z", 7);
    int64_t base = 0;
    if (!ParseTimestampValue(std::string_view(probe, sizeof(probe)), false,
                             &base) ||
        base <= 0 ||
        base > std::numeric_limits<int64_t>::max() - 3600 * 1000000000LL) {
      return false;  // the general parser decides; the memo stays
    }
    std::memcpy(hour_, p, sizeof(hour_));
    hour_ns_ = base;
  }
  if (hour_ns_ <= 0) return false;  // nothing memoised yet (hour_ zeros)
  *ns = hour_ns_ + (minute * 60 + second) * 1000000000LL + frac;
  return true;
}

bool ParseTraceparent(std::string_view text, std::string_view* trace_id,
                      std::string_view* span_id) {
  // version(2) - trace(32) - span(16) - flags(2)
  if (text.size() < 55 || text[2] != '-' || text[35] != '-' ||
      text[52] != '-') {
    return false;
  }
  const std::string_view version = text.substr(0, 2);
  if (!IsLowerHex(version) || version == "ff") return false;
  if (text.size() > 55 && (version == "00" || text[55] != '-')) return false;
  const std::string_view trace = text.substr(3, 32);
  const std::string_view span = text.substr(36, 16);
  if (!IsLowerHex(trace) || !IsLowerHex(span) ||
      !IsLowerHex(text.substr(53, 2)) || AllZero(trace) || AllZero(span)) {
    return false;
  }
  *trace_id = trace;
  *span_id = span;
  return true;
}

std::string_view CutUtf8(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t n = max_bytes;
  // Step back over continuation bytes (10xxxxxx) to a sequence start.
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

}  // namespace silt::parse::internal
