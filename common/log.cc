#include "common/log.h"

#include <array>
#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>

#include "common/time_util.h"

namespace silt {
namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::mutex g_mu;
std::mutex g_filter_mu;
std::shared_ptr<const LogFilter> g_filter;  // guarded by g_filter_mu

bool TrustedField(std::string_view key) {
  for (std::string_view k :
       {"http", "tcp", "listen", "data_dir", "version", "signal"}) {
    if (key == k) return true;
  }
  return false;
}

const char* LevelName(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

// Length of the valid UTF-8 sequence at s[i], or 0 if invalid.
size_t Utf8Len(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n;
  uint32_t cp;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else
    return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
      (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return n;
}
}  // namespace

void SetLogLevel(LogLevel level) { g_level = static_cast<int>(level); }

void SetLogFilter(LogFilter filter) {
  std::shared_ptr<const LogFilter> f;
  if (filter) f = std::make_shared<const LogFilter>(std::move(filter));
  std::lock_guard<std::mutex> lock(g_filter_mu);
  g_filter = std::move(f);
}

void AppendJsonEscaped(std::string* out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  // Bytes copied as they are: printable ASCII other than '"' and '\\'.
  static const auto kPlain = [] {
    std::array<bool, 256> t{};
    for (int c = 0x20; c < 0x80; ++c) t[c] = c != '"' && c != '\\';
    return t;
  }();
  size_t i = 0;
  while (i < s.size()) {
    // Runs of plain bytes are appended at once (most of a log line).
    size_t run = i;
    while (run < s.size() && kPlain[static_cast<unsigned char>(s[run])]) ++run;
    if (run > i) {
      out->append(s.data() + i, run - i);
      i = run;
      continue;
    }
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t n = Utf8Len(s, i);
      if (n == 0) {
        out->append("\xEF\xBF\xBD");
        ++i;
      } else {
        out->append(s.data() + i, n);
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        out->append("\\u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 15]);
    }
    ++i;
  }
}

void Log(
    LogLevel level, std::string_view msg,
    std::initializer_list<std::pair<std::string_view, std::string>> fields) {
  if (static_cast<int>(level) < g_level.load(std::memory_order_relaxed)) return;
  std::shared_ptr<const LogFilter> filter;
  {
    std::lock_guard<std::mutex> lock(g_filter_mu);
    filter = g_filter;
  }
  std::string filtered;
  auto clean = [&](std::string_view v) -> std::string_view {
    if (!filter) return v;
    filtered = (*filter)(v);
    return filtered;
  };
  std::string line = "{\"ts\":\"";
  line += FormatRfc3339Nanos(NowNanos());
  line += "\",\"level\":\"";
  line += LevelName(level);
  line += "\",\"msg\":\"";
  AppendJsonEscaped(&line, clean(msg));
  line += '"';
  for (const auto& [k, v] : fields) {
    line += ",\"";
    AppendJsonEscaped(&line, k);
    line += "\":\"";
    AppendJsonEscaped(&line, TrustedField(k) ? std::string_view(v) : clean(v));
    line += '"';
  }
  line += "}\n";
  std::lock_guard<std::mutex> lock(g_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace silt
