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
}  // namespace

size_t FormatTsText(int64_t ts_ns, int form, char* buf) {
  if (ts_ns < 0 || form < 0 || form >= kNumTsForms) return 0;
  const int digits = kFracDigits[form];
  int64_t secs = ts_ns / kNsPerSec;
  uint64_t frac = static_cast<uint64_t>(ts_ns % kNsPerSec);
  uint64_t unit = 1;
  for (int i = digits; i < 9; ++i) unit *= 10;
  if (frac % unit != 0) return 0;  // the form would lose digits
  // Entries come in time order, many within one second: the date and time
  // of day are formatted once per second per thread.
  thread_local int64_t cached_secs = -1;
  thread_local char cached[19];
  if (secs != cached_secs) {
    int y;
    unsigned mo, d;
    CivilFromDays(secs / 86400, &y, &mo, &d);
    if (y > 9999) return 0;
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
  char* p = buf;
  std::memcpy(p, cached, 19);
  p += 19;
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
  // Every form is a prefix of the nanosecond form ("...:SS" + ".ddd..." +
  // "Z"), so format once and compare the candidates in place.
  char full[32];
  if (FormatTsText(ts_ns, kNumTsForms - 1, full) == 0) return false;
  const char* hit = FindSubstring(line, std::string_view(full, 19));
  if (hit == nullptr) return false;
  const size_t p = hit - line.data();
  std::string_view rest = line.substr(p + 19);
  for (int f = kNumTsForms - 1; f >= 0; --f) {
    const int digits = kFracDigits[f];
    // A form is valid only if the digits it drops are zeros.
    bool zeros = true;
    for (int i = digits; i < 9; ++i) zeros &= full[20 + i] == '0';
    if (!zeros) break;
    size_t n = digits == 0 ? 1 : 1 + digits + 1;
    if (rest.size() < n) continue;
    bool match = digits == 0 ? rest[0] == 'Z'
                             : rest[0] == '.' &&
                                   std::memcmp(rest.data() + 1, full + 20,
                                               digits) == 0 &&
                                   rest[digits + 1] == 'Z';
    if (match) {
      *pos = p;
      *form = f;
      *len = 19 + n;
      return true;
    }
  }
  return false;
}

}  // namespace silt::store
