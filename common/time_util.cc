#include "common/time_util.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace silt {
namespace {

constexpr int64_t kNanosPerSecond = 1000000000;
constexpr int64_t kSecondsPerDay = 86400;

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// days_from_civil). Exact for every year silt can represent in int64 ns.
constexpr int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// Inverse of DaysFromCivil.
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

constexpr bool IsLeap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30,
                                       31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads `n` digits at p; false if any is not a digit.
inline bool Digits(const char* p, int n, unsigned* out) {
  unsigned v = 0;
  for (int i = 0; i < n; ++i) {
    unsigned d = static_cast<unsigned char>(p[i]) - '0';
    if (d > 9) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

// The allocation-free core of ParseRfc3339Nanos. Grammar:
//   YYYY-MM-DD (T|t|' ') hh:mm:ss [(.|,) 1*digit] (Z|z|(+|-)hh[:]mm)
// Fraction digits past the ninth are read and dropped (truncation).
bool ParseRfc3339Raw(std::string_view s, int64_t* out) {
  const size_t n = s.size();
  if (n < 20) return false;  // shortest: 2024-05-01T10:00:00Z
  const char* p = s.data();
  unsigned year, month, day, hour, minute, second;
  if (!Digits(p, 4, &year) || p[4] != '-' || !Digits(p + 5, 2, &month) ||
      p[7] != '-' || !Digits(p + 8, 2, &day)) {
    return false;
  }
  if (p[10] != 'T' && p[10] != 't' && p[10] != ' ') return false;
  if (!Digits(p + 11, 2, &hour) || p[13] != ':' ||
      !Digits(p + 14, 2, &minute) || p[16] != ':' ||
      !Digits(p + 17, 2, &second)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month) ||
      hour > 23 || minute > 59 || second > 59) {
    return false;
  }
  size_t i = 19;
  int64_t frac_ns = 0;
  if (p[i] == '.' || p[i] == ',') {
    ++i;
    size_t start = i;
    int64_t scale = 100000000;
    while (i < n && IsDigit(p[i])) {
      frac_ns += (p[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == start) return false;
  }
  if (i >= n) return false;
  int64_t offset_s = 0;
  if (p[i] == 'Z' || p[i] == 'z') {
    ++i;
  } else if (p[i] == '+' || p[i] == '-') {
    const bool neg = p[i] == '-';
    ++i;
    unsigned oh, om;
    if (i + 2 > n || !Digits(p + i, 2, &oh)) return false;
    i += 2;
    if (i < n && p[i] == ':') ++i;
    if (i + 2 > n || !Digits(p + i, 2, &om)) return false;
    i += 2;
    if (oh > 23 || om > 59) return false;
    offset_s = static_cast<int64_t>(oh * 3600 + om * 60);
    if (neg) offset_s = -offset_s;
  } else {
    return false;
  }
  if (i != n) return false;
  const int64_t days = DaysFromCivil(year, month, day);
  const int64_t secs =
      days * kSecondsPerDay + hour * 3600 + minute * 60 + second - offset_s;
  // int64 ns covers 1677-09-21 .. 2262-04-11.
  int64_t ns;
  if (__builtin_mul_overflow(secs, kNanosPerSecond, &ns) ||
      __builtin_add_overflow(ns, frac_ns, &ns)) {
    return false;
  }
  *out = ns;
  return true;
}

// Saturating double -> int64 ns.
int64_t ClampToInt64(double v) {
  if (std::isnan(v)) return 0;
  if (v >= 9.2e18) return std::numeric_limits<int64_t>::max();
  if (v <= -9.2e18) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

int64_t SaturatingMul(int64_t v, int64_t m) {
  int64_t r;
  if (__builtin_mul_overflow(v, m, &r)) {
    return (v < 0) ? std::numeric_limits<int64_t>::min()
                   : std::numeric_limits<int64_t>::max();
  }
  return r;
}

// Parses an optionally signed decimal integer; false on anything else or
// overflow.
bool ParseInt64(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  size_t i = 0;
  bool neg = false;
  if (s[0] == '-' || s[0] == '+') {
    neg = s[0] == '-';
    i = 1;
  }
  if (i == s.size()) return false;
  int64_t v = 0;
  for (; i < s.size(); ++i) {
    if (!IsDigit(s[i])) return false;
    if (__builtin_mul_overflow(v, 10, &v) ||
        __builtin_add_overflow(v, s[i] - '0', &v)) {
      return false;
    }
  }
  *out = neg ? -v : v;
  return true;
}

// Parses a plain decimal "123", "1.5", ".5" (no exponent, optional sign).
bool ParseDecimal(std::string_view s, double* out) {
  if (s.empty()) return false;
  size_t i = 0;
  bool neg = false;
  if (s[0] == '-' || s[0] == '+') {
    neg = s[0] == '-';
    ++i;
  }
  double v = 0;
  bool any = false;
  for (; i < s.size() && IsDigit(s[i]); ++i) {
    v = v * 10 + (s[i] - '0');
    any = true;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    double scale = 0.1;
    for (; i < s.size() && IsDigit(s[i]); ++i) {
      v += (s[i] - '0') * scale;
      scale /= 10;
      any = true;
    }
  }
  if (!any || i != s.size()) return false;
  *out = neg ? -v : v;
  return true;
}

// Nanoseconds per duration unit, or 0 for an unknown unit.
int64_t UnitNanos(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1000;
  if (unit == "ms") return 1000000;
  if (unit == "s") return kNanosPerSecond;
  if (unit == "m") return 60 * kNanosPerSecond;
  if (unit == "h") return 3600 * kNanosPerSecond;
  if (unit == "d") return kSecondsPerDay * kNanosPerSecond;
  if (unit == "w") return 7 * kSecondsPerDay * kNanosPerSecond;
  if (unit == "y") return 365 * kSecondsPerDay * kNanosPerSecond;
  return 0;
}

}  // namespace

int64_t NowNanos() { return absl::GetCurrentTimeNanos(); }

absl::StatusOr<int64_t> ParseRfc3339Nanos(std::string_view text) {
  int64_t ns;
  if (ParseRfc3339Raw(text, &ns)) return ns;
  return absl::InvalidArgumentError(absl::StrCat(
      "invalid RFC3339 timestamp '",
      absl::string_view(text.data(), std::min<size_t>(text.size(), 64)), "'"));
}

int64_t EpochToNanos(double value) {
  const double mag = std::fabs(value);
  double scale;
  if (mag < 1e11) {
    scale = 1e9;
  } else if (mag < 1e14) {
    scale = 1e6;
  } else if (mag < 1e17) {
    scale = 1e3;
  } else {
    scale = 1;
  }
  // Split off the integer part first so the fraction keeps its precision
  // (1.7e9 s * 1e9 exceeds the 53-bit mantissa).
  const double whole = std::trunc(value);
  const double frac = value - whole;
  const int64_t whole_ns =
      SaturatingMul(ClampToInt64(whole), static_cast<int64_t>(scale));
  const int64_t frac_ns = static_cast<int64_t>(std::llround(frac * scale));
  int64_t out;
  if (__builtin_add_overflow(whole_ns, frac_ns, &out)) return whole_ns;
  return out;
}

int64_t EpochIntToNanos(int64_t value) {
  const uint64_t mag = value < 0 ? 0 - static_cast<uint64_t>(value)
                                 : static_cast<uint64_t>(value);
  if (mag < 100000000000ULL) return SaturatingMul(value, kNanosPerSecond);
  if (mag < 100000000000000ULL) return SaturatingMul(value, 1000000);
  if (mag < 100000000000000000ULL) return SaturatingMul(value, 1000);
  return value;
}

absl::StatusOr<int64_t> ParseLokiTime(std::string_view text) {
  int64_t v;
  if (ParseInt64(text, &v)) {
    // Loki reads an integer of up to 10 digits as seconds, longer as ns.
    size_t digits = text.size() - (text[0] == '-' || text[0] == '+');
    if (digits <= 10) return SaturatingMul(v, kNanosPerSecond);
    return v;
  }
  double d;
  if (ParseDecimal(text, &d)) {
    // Float seconds; split to keep sub-microsecond digits where possible.
    const double whole = std::trunc(d);
    return SaturatingMul(ClampToInt64(whole), kNanosPerSecond) +
           static_cast<int64_t>(std::llround((d - whole) * 1e9));
  }
  if (ParseRfc3339Raw(text, &v)) return v;
  return absl::InvalidArgumentError(absl::StrCat(
      "cannot parse \"", absl::string_view(text.data(), text.size()),
      "\" to a valid timestamp"));
}

absl::StatusOr<int64_t> ParseDuration(std::string_view text) {
  auto error = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot parse \"", absl::string_view(text.data(), text.size()),
        "\" to a valid duration"));
  };
  if (text.empty()) return error();
  double seconds;
  if (ParseDecimal(text, &seconds)) {
    if (std::fabs(seconds) > 9.2e9) return error();
    return static_cast<int64_t>(std::llround(seconds * 1e9));
  }
  std::string_view s = text;
  bool neg = false;
  if (s[0] == '-' || s[0] == '+') {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return error();
  int64_t total = 0;
  while (!s.empty()) {
    size_t i = 0;
    while (i < s.size() && (IsDigit(s[i]) || s[i] == '.')) ++i;
    double num;
    if (!ParseDecimal(s.substr(0, i), &num)) {
      return error();
    }
    s.remove_prefix(i);
    size_t j = 0;
    while (j < s.size() && !IsDigit(s[j]) && s[j] != '.') ++j;
    const int64_t unit = UnitNanos(s.substr(0, j));
    if (unit == 0) return error();
    s.remove_prefix(j);
    const double part = num * static_cast<double>(unit);
    if (part > 9.2e18) return error();
    // Whole-number parts stay exact in integer arithmetic.
    int64_t part_ns = num == std::trunc(num) && num < 9.2e18
                          ? SaturatingMul(static_cast<int64_t>(num), unit)
                          : static_cast<int64_t>(std::llround(part));
    if (__builtin_add_overflow(total, part_ns, &total)) return error();
  }
  return neg ? -total : total;
}

std::string FormatRfc3339Nanos(int64_t ns) {
  int64_t secs = ns / kNanosPerSecond;
  int64_t frac = ns % kNanosPerSecond;
  if (frac < 0) {
    frac += kNanosPerSecond;
    --secs;
  }
  int64_t days = secs / kSecondsPerDay;
  int64_t sod = secs % kSecondsPerDay;
  if (sod < 0) {
    sod += kSecondsPerDay;
    --days;
  }
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[40];
  char* p = buf;
  auto put2 = [&p](unsigned v) {
    *p++ = static_cast<char>('0' + v / 10);
    *p++ = static_cast<char>('0' + v % 10);
  };
  const unsigned yy = static_cast<unsigned>(y);  // 1677..2262
  put2(yy / 100);
  put2(yy % 100);
  *p++ = '-';
  put2(m);
  *p++ = '-';
  put2(d);
  *p++ = 'T';
  put2(static_cast<unsigned>(sod / 3600));
  *p++ = ':';
  put2(static_cast<unsigned>(sod / 60 % 60));
  *p++ = ':';
  put2(static_cast<unsigned>(sod % 60));
  if (frac != 0) {
    *p++ = '.';
    char digits[9];
    for (int i = 8; i >= 0; --i) {
      digits[i] = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    int len = 9;
    while (len > 0 && digits[len - 1] == '0') --len;
    std::memcpy(p, digits, len);
    p += len;
  }
  *p++ = 'Z';
  return std::string(buf, p - buf);
}

}  // namespace silt
