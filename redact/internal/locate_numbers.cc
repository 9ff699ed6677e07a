// Locators for numbers: card numbers, IP addresses, SSNs, IBANs.
#include <arpa/inet.h>

#include <cstring>
#include <string>

#include "redact/internal/builtin_rules.h"
#include "redact/internal/locators.h"

namespace silt::redact::internal {
namespace {

void Add(size_t b, size_t e, uint16_t rule, std::vector<Span>* out) {
  out->push_back(
      Span{static_cast<uint32_t>(b), static_cast<uint32_t>(e), rule});
}

// Digits may continue through a '.' (a decimal): "1.4111..." is not a card.
bool LeftBoundary(std::string_view t, size_t b) {
  if (b == 0) return true;
  const char c = t[b - 1];
  if (IsWordChar(c)) return false;
  return !(c == '.' && b >= 2 && IsDigit(t[b - 2]));
}

bool RightBoundary(std::string_view t, size_t e) {
  if (e >= t.size()) return true;
  const char c = t[e];
  if (IsWordChar(c)) return false;
  return !(c == '.' && e + 1 < t.size() && IsDigit(t[e + 1]));
}

struct Group {
  size_t begin, end;  // digits [begin, end)
  char sep_after;     // separator between this group and the next, or 0
};

// Card groupings: contiguous; 4-4-4-(1..4); 4-4-4-4-(1..3); 4-6-4; 4-6-5.
bool ValidGrouping(const Group* g, size_t n) {
  auto len = [&](size_t i) { return g[i].end - g[i].begin; };
  for (size_t i = 0; i + 1 < n; ++i) {
    if (g[i].sep_after != g[0].sep_after) return false;
  }
  if (n == 1) return true;
  if (n == 3) return len(0) == 4 && len(1) == 6 && (len(2) == 4 || len(2) == 5);
  if (n == 4 || n == 5) {
    for (size_t i = 0; i + 1 < n; ++i) {
      if (len(i) != 4) return false;
    }
    return len(n - 1) >= 1 && len(n - 1) <= (n == 4 ? 4u : 3u);
  }
  return false;
}

bool CardDigitsOk(std::string_view t, const Group* g, size_t n) {
  size_t digits = 0;
  for (size_t i = 0; i < n; ++i) digits += g[i].end - g[i].begin;
  if (digits < 13 || digits > 19) return false;
  const char first = t[g[0].begin];
  if (first < '2' || first > '6') return false;
  return LuhnValid(t.substr(g[0].begin, g[n - 1].end - g[0].begin));
}

}  // namespace

bool LuhnValid(std::string_view digits) {
  int sum = 0;
  bool twice = false;
  int count = 0;
  for (size_t i = digits.size(); i-- > 0;) {
    const char c = digits[i];
    if (!IsDigit(c)) continue;
    int v = c - '0';
    if (twice) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
    twice = !twice;
    ++count;
  }
  return count > 0 && sum % 10 == 0;
}

void LocateCreditCards(std::string_view t, uint16_t rule,
                       std::vector<Span>* out) {
  constexpr size_t kMaxGroups = 64;
  Group groups[kMaxGroups];
  size_t i = 0;
  const size_t n = t.size();
  while (i < n) {
    if (!IsDigit(t[i])) {
      ++i;
      continue;
    }
    // A maximal run: digit groups joined by single spaces or dashes.
    const size_t start = i;
    size_t ng = 0;
    size_t j = i;
    while (true) {
      const size_t gb = j;
      while (j < n && IsDigit(t[j])) ++j;
      char sep = 0;
      if (j + 1 < n && (t[j] == ' ' || t[j] == '-') && IsDigit(t[j + 1])) {
        sep = t[j];
      }
      if (ng < kMaxGroups) groups[ng++] = Group{gb, j, sep};
      if (sep == 0) break;
      ++j;
    }
    const size_t end = j;
    i = end;
    const bool left_ok = LeftBoundary(t, start);
    const bool right_ok = RightBoundary(t, end);
    // Windows of whole groups, longest first, left to right.
    size_t k = 0;
    while (k < ng) {
      size_t taken = 0;
      static constexpr size_t kWidths[] = {5, 4, 3, 1};
      for (const size_t w : kWidths) {
        if (k + w > ng) continue;
        if (k == 0 && !left_ok) continue;
        if (k + w == ng && !right_ok) continue;
        // Uniform separators inside the window only.
        bool same = true;
        for (size_t x = 0; x + 1 < w; ++x) {
          same = same && groups[k + x].sep_after == groups[k].sep_after;
        }
        if (!same) continue;
        Group window[5];
        for (size_t x = 0; x < w && x < 5; ++x) {
          window[x] = groups[k + x];
          window[x].sep_after = x + 1 < w ? groups[k].sep_after : 0;
        }
        if (!ValidGrouping(window, w) || !CardDigitsOk(t, window, w)) continue;
        Add(groups[k].begin, groups[k + w - 1].end, rule, out);
        taken = w;
        break;
      }
      k += taken > 0 ? taken : 1;
    }
  }
}

void LocateIpv4(std::string_view t, uint16_t rule, std::vector<Span>* out) {
  const size_t n = t.size();
  size_t i = 0;
  while (i < n) {
    if (!IsDigit(t[i]) ||
        (i > 0 && (IsWordChar(t[i - 1]) || t[i - 1] == '.'))) {
      ++i;
      continue;
    }
    size_t j = i;
    int parts = 0;
    bool ok = true;
    while (true) {
      size_t b = j;
      int v = 0;
      while (j < n && IsDigit(t[j]) && j - b < 4) v = v * 10 + (t[j++] - '0');
      const size_t len = j - b;
      if (len == 0 || len > 3 || v > 255) {
        ok = false;
        break;
      }
      ++parts;
      if (parts == 4) break;
      if (j + 1 < n && t[j] == '.' && IsDigit(t[j + 1])) {
        ++j;
        continue;
      }
      ok = false;
      break;
    }
    if (ok && parts == 4 && RightBoundary(t, j)) {
      Add(i, j, rule, out);
      i = j;
      continue;
    }
    // Skip the rest of this digit/dot run.
    while (i < n && (IsDigit(t[i]) || t[i] == '.')) ++i;
  }
}

void LocateIpv6(std::string_view t, uint16_t rule, std::vector<Span>* out) {
  auto in_run = [](char c) {
    return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
           c == ':' || c == '.';
  };
  const size_t n = t.size();
  size_t i = 0;
  while (i < n) {
    if (!in_run(t[i])) {
      ++i;
      continue;
    }
    const size_t b = i;
    while (i < n && in_run(t[i])) ++i;
    size_t e = i;
    if ((b > 0 && IsWordChar(t[b - 1])) || (e < n && IsWordChar(t[e]))) {
      continue;
    }
    // A sentence's full stop or a "host:" colon is not part of the address.
    while (e > b && (t[e - 1] == '.' ||
                     (t[e - 1] == ':' && e - b >= 2 && t[e - 2] != ':'))) {
      --e;
    }
    std::string_view run = t.substr(b, e - b);
    if (run.size() < 2 || run.size() > 45) continue;
    size_t colons = 0;
    bool hex = false;
    for (char c : run) {
      colons += c == ':';
      hex = hex || (c != ':' && c != '.');
    }
    if (colons < 2 || !hex) continue;
    if (run.find("::") == std::string_view::npos && colons < 7) continue;
    char buf[64];
    std::memcpy(buf, run.data(), run.size());
    buf[run.size()] = 0;
    unsigned char addr[16];
    if (inet_pton(AF_INET6, buf, addr) == 1) Add(b, e, rule, out);
  }
}

void LocateUsSsn(std::string_view t, uint16_t rule, std::vector<Span>* out) {
  const size_t n = t.size();
  for (size_t i = 0; i + 11 <= n; ++i) {
    if (!IsDigit(t[i])) continue;
    if (i > 0 && (IsWordChar(t[i - 1]) || t[i - 1] == '-')) continue;
    const char* p = t.data() + i;
    bool shape = IsDigit(p[1]) && IsDigit(p[2]) && p[3] == '-' &&
                 IsDigit(p[4]) && IsDigit(p[5]) && p[6] == '-' &&
                 IsDigit(p[7]) && IsDigit(p[8]) && IsDigit(p[9]) &&
                 IsDigit(p[10]);
    if (!shape) continue;
    if (i + 11 < n && (IsWordChar(t[i + 11]) || t[i + 11] == '-')) continue;
    const int area = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
    const bool group_zero = p[4] == '0' && p[5] == '0';
    const bool serial_zero =
        p[7] == '0' && p[8] == '0' && p[9] == '0' && p[10] == '0';
    if (area == 0 || area == 666 || area >= 900 || group_zero || serial_zero) {
      continue;
    }
    Add(i, i + 11, rule, out);
    i += 10;
  }
}

namespace {

bool IsUpperAlnum(char c) { return IsDigit(c) || (c >= 'A' && c <= 'Z'); }

bool IbanMod97(const std::string& iban) {
  int rem = 0;
  auto feed = [&](char c) {
    if (IsDigit(c)) {
      rem = (rem * 10 + (c - '0')) % 97;
    } else {
      rem = (rem * 100 + (c - 'A' + 10)) % 97;
    }
  };
  for (size_t i = 4; i < iban.size(); ++i) feed(iban[i]);
  for (size_t i = 0; i < 4; ++i) feed(iban[i]);
  return rem == 1;
}

}  // namespace

void LocateIbans(std::string_view t, uint16_t rule, std::vector<Span>* out) {
  const size_t n = t.size();
  std::string chars;
  for (size_t i = 0; i + 15 <= n; ++i) {
    const char* p = t.data() + i;
    if (!(p[0] >= 'A' && p[0] <= 'Z' && p[1] >= 'A' && p[1] <= 'Z' &&
          IsDigit(p[2]) && IsDigit(p[3]))) {
      continue;
    }
    if (i > 0 && IsWordChar(t[i - 1])) continue;
    size_t end = 0;
    // Grouped: "DE89 3704 0044 0532 0130 00".
    if (i + 4 < n && t[i + 4] == ' ') {
      chars.assign(p, 4);
      size_t j = i + 4;
      while (j + 1 < n && t[j] == ' ' && IsUpperAlnum(t[j + 1])) {
        size_t g = j + 1;
        size_t k = g;
        while (k < n && IsUpperAlnum(t[k]) && k - g < 5) ++k;
        if (k - g > 4) break;
        chars.append(t.data() + g, k - g);
        j = k;
        if (k - g < 4) break;
      }
      if (chars.size() >= 15 && chars.size() <= 34 &&
          (j >= n || !IsWordChar(t[j])) && IbanMod97(chars)) {
        end = j;
      }
    }
    if (end == 0) {
      size_t j = i + 4;
      while (j < n && IsUpperAlnum(t[j])) ++j;
      if (j - i >= 15 && j - i <= 34 && (j >= n || !IsWordChar(t[j]))) {
        chars.assign(p, j - i);
        if (IbanMod97(chars)) end = j;
      }
    }
    if (end != 0) {
      Add(i, end, rule, out);
      i = end - 1;
    }
  }
}

}  // namespace silt::redact::internal
