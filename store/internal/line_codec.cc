#include "store/internal/line_codec.h"

#include <cstring>

#include "common/find.h"

namespace silt::store {

namespace {
constexpr int64_t kNsPerSec = 1000000000;

// Civil date of days since 1970-01-01 (H. Hinnant's algorithm).
void CivilFromDays(int64_t z, int* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int>(yy + (*m <= 2));
}

void Digits(char* p, uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
}

constexpr int kFracDigits[kNumTsForms] = {0, 3, 6, 9};
// The "YYYY-MM-DDTHH:MM:SS" text of the second of ts_ns (>= 0) into out;
// false past year 9999.
bool SecondText(int64_t secs, char* out) {
  // Entries come in time order, many within one second: the date and time
  // of day are formatted once per second per thread.
  thread_local int64_t cached_secs = -1;
  thread_local char cached[19];
  if (secs != cached_secs) {
    int y;
    unsigned mo, d;
    CivilFromDays(secs / 86400, &y, &mo, &d);
    if (y > 9999) return false;
    int64_t sod = secs % 86400;
    char* c = cached;
    Digits(c, y, 4);
    c[4] = '-';
    Digits(c + 5, mo, 2);
    c[7] = '-';
    Digits(c + 8, d, 2);
    c[10] = 'T';
    Digits(c + 11, sod / 3600, 2);
    c[13] = ':';
    Digits(c + 14, sod / 60 % 60, 2);
    c[16] = ':';
    Digits(c + 17, sod % 60, 2);
    cached_secs = secs;
  }
  std::memcpy(out, cached, 19);
  return true;
}
}  // namespace

size_t FormatTsText(int64_t ts_ns, int form, char* buf) {
  if (ts_ns < 0 || form < 0 || form >= kNumTsForms) return 0;
  const int digits = kFracDigits[form];
  int64_t secs = ts_ns / kNsPerSec;
  uint64_t frac = static_cast<uint64_t>(ts_ns % kNsPerSec);
  uint64_t unit = 1;
  for (int i = digits; i < 9; ++i) unit *= 10;
  if (frac % unit != 0) return 0;  // the form would lose digits
  if (!SecondText(secs, buf)) return 0;
  char* p = buf + 19;
  if (digits > 0) {
    *p++ = '.';
    Digits(p, frac / unit, digits);
    p += digits;
  }
  *p++ = 'Z';
  return p - buf;
}

bool FindTsText(std::string_view line, int64_t ts_ns, size_t* pos, int* form,
                size_t* len) {
  // Every form starts with the second's text: find that, then read the
  // fraction digits in the line and compare their value (the form with d
  // digits is the entry's own only if the digits it drops are zeros).
  if (ts_ns < 0) return false;
  char second[19];
  if (!SecondText(ts_ns / kNsPerSec, second)) return false;
  const char* hit = FindSubstring(line, std::string_view(second, 19));
  if (hit == nullptr) return false;
  const size_t p = hit - line.data();
  const std::string_view rest = line.substr(p + 19);
  const uint64_t frac = static_cast<uint64_t>(ts_ns % kNsPerSec);
  if (rest.empty()) return false;
  int f = -1;
  if (rest[0] == 'Z') {
    if (frac == 0) f = 0;
  } else if (rest[0] == '.') {
    uint64_t v = 0;
    size_t d = 0;
    while (d < 9 && d + 1 < rest.size() && rest[d + 1] >= '0' &&
           rest[d + 1] <= '9') {
      v = v * 10 + static_cast<uint64_t>(rest[d + 1] - '0');
      ++d;
    }
    if ((d == 3 || d == 6 || d == 9) && d + 1 < rest.size() &&
        rest[d + 1] == 'Z') {
      for (size_t i = d; i < 9; ++i) v *= 10;
      if (v == frac) f = static_cast<int>(d / 3);
    }
  }
  if (f < 0) return false;
  *pos = p;
  *form = f;
  *len = 19 + (f == 0 ? 1 : 2 + kFracDigits[f]);
  return true;
}

}  // namespace silt::store
