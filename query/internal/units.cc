#include "query/internal/units.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string>

#include "absl/strings/ascii.h"

namespace silt::query {

std::optional<double> ParseFloat(std::string_view s) {
  if (s.empty() || std::isspace(static_cast<unsigned char>(s.front())) ||
      std::isspace(static_cast<unsigned char>(s.back()))) {
    return std::nullopt;
  }
  std::string buf(s);
  std::string lower = absl::AsciiStrToLower(buf);
  // strtod accepts "infinity" and "nan(...)"; Go accepts inf/infinity/nan.
  if (lower == "inf" || lower == "+inf" || lower == "infinity" ||
      lower == "+infinity") {
    return INFINITY;
  }
  if (lower == "-inf" || lower == "-infinity") return -INFINITY;
  if (lower == "nan") return NAN;
  char* end = nullptr;
  double v = std::strtod(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size()) return std::nullopt;
  if (lower.find("nan") != std::string::npos ||
      lower.find("inf") != std::string::npos) {
    return std::nullopt;
  }
  return v;
}

std::optional<double> ParseGoDurationSeconds(std::string_view s) {
  static constexpr struct {
    const char* unit;
    double seconds;
  } kUnits[] = {{"ns", 1e-9},        {"us", 1e-6},        {"\xc2\xb5s", 1e-6},
                {"\xce\xbcs", 1e-6}, {"ms", 1e-3},        {"s", 1},
                {"m", 60},           {"h", 3600},         {"d", 86400},
                {"w", 7 * 86400},    {"y", 365 * 86400.0}};
  if (s.empty()) return std::nullopt;
  double sign = 1;
  if (s.front() == '-' || s.front() == '+') {
    if (s.front() == '-') sign = -1;
    s.remove_prefix(1);
  }
  if (s == "0") return 0.0;
  if (s.empty()) return std::nullopt;
  double total = 0;
  while (!s.empty()) {
    size_t n = 0;
    bool digits = false;
    while (n < s.size() &&
           (std::isdigit(static_cast<unsigned char>(s[n])) || s[n] == '.')) {
      digits |= s[n] != '.';
      ++n;
    }
    if (!digits) return std::nullopt;
    char* end = nullptr;
    std::string num(s.substr(0, n));
    double v = std::strtod(num.c_str(), &end);
    if (end != num.c_str() + num.size()) return std::nullopt;
    s.remove_prefix(n);
    // Longest unit first: "ms" before "m".
    size_t best = 0;
    double mult = 0;
    for (const auto& u : kUnits) {
      std::string_view unit(u.unit);
      if (s.substr(0, unit.size()) == unit && unit.size() > best) {
        best = unit.size();
        mult = u.seconds;
      }
    }
    if (best == 0) return std::nullopt;
    s.remove_prefix(best);
    total += v * mult;
  }
  return sign * total;
}

std::optional<double> ParseHumanBytes(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && (std::isdigit(static_cast<unsigned char>(s[n])) ||
                          s[n] == '.' || s[n] == ',')) {
    ++n;
  }
  std::string num;
  for (char c : s.substr(0, n)) {
    if (c != ',') num += c;
  }
  if (num.empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(num.c_str(), &end);
  if (end != num.c_str() + num.size()) return std::nullopt;
  std::string_view rest = s.substr(n);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  std::string unit = absl::AsciiStrToLower(std::string(rest));
  static constexpr struct {
    const char* unit;
    double mult;
  } kUnits[] = {{"", 1},
                {"b", 1},
                {"k", 1e3},
                {"kb", 1e3},
                {"ki", 1024.0},
                {"kib", 1024.0},
                {"m", 1e6},
                {"mb", 1e6},
                {"mi", 1048576.0},
                {"mib", 1048576.0},
                {"g", 1e9},
                {"gb", 1e9},
                {"gi", 1073741824.0},
                {"gib", 1073741824.0},
                {"t", 1e12},
                {"tb", 1e12},
                {"ti", 1099511627776.0},
                {"tib", 1099511627776.0},
                {"p", 1e15},
                {"pb", 1e15},
                {"pi", 1125899906842624.0},
                {"pib", 1125899906842624.0}};
  for (const auto& u : kUnits) {
    if (unit == u.unit) return v * u.mult;
  }
  return std::nullopt;
}

}  // namespace silt::query
