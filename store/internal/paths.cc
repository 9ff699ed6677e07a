#include "store/internal/paths.h"

#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"

namespace silt::store {

namespace {
bool Plain(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '-';
}
int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string EscapeTenant(std::string_view tenant) {
  if (tenant.empty()) return "%";
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : tenant) {
    if (Plain(c)) {
      out += c;
    } else {
      auto u = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

std::optional<std::string> UnescapeTenant(std::string_view name) {
  if (name == "%") return std::string();
  if (name.empty()) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (Plain(c)) {
      out += c;
      continue;
    }
    if (c != '%' || i + 2 >= name.size()) return std::nullopt;
    int hi = HexVal(name[i + 1]), lo = HexVal(name[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    char d = static_cast<char>(hi * 16 + lo);
    if (Plain(d)) return std::nullopt;  // not canonical
    out += d;
    i += 2;
  }
  return out;
}

int64_t UtcDay(int64_t ts_ns) {
  constexpr int64_t kDay = 86400LL * 1000 * 1000 * 1000;
  int64_t d = ts_ns / kDay;
  if (ts_ns % kDay < 0) --d;
  return d;
}

std::string DayName(int64_t day) {
  absl::CivilDay cd = absl::CivilDay(1970, 1, 1) + day;
  return absl::StrFormat("%04d%02d%02d", cd.year(), cd.month(), cd.day());
}

std::string SeqFileName(uint64_t seq, std::string_view suffix) {
  return absl::StrFormat("%020u%s", seq, suffix);
}

std::optional<uint64_t> ParseSeqFileName(std::string_view name,
                                         std::string_view suffix) {
  if (name.size() <= suffix.size() ||
      name.substr(name.size() - suffix.size()) != suffix) {
    return std::nullopt;
  }
  std::string_view digits = name.substr(0, name.size() - suffix.size());
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  uint64_t v;
  if (!absl::SimpleAtoi(absl::string_view(digits.data(), digits.size()), &v)) {
    return std::nullopt;
  }
  return v;
}

}  // namespace silt::store
