// silt_loggen: writes deterministic benchmark logs (see loggen.h) as NDJSON.
//   silt_loggen --lines N --seed S [--out FILE] [--stats]
//   silt_loggen --self-test
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "bench/loggen.h"

namespace {

using silt::bench::GenerateLogs;
using silt::bench::LogGenCounts;
using silt::bench::LogGenOptions;

// A strict RFC 8259 syntax check, enough to tell the generator's JSON lines
// from its malformed ones.
class JsonCheck {
 public:
  static bool Valid(std::string_view s) {
    JsonCheck c(s);
    return c.Value(0) && (c.Ws(), c.p_ == c.end_);
  }

 private:
  explicit JsonCheck(std::string_view s) : p_(s.data()), end_(p_ + s.size()) {}
  void Ws() {
    while (p_ < end_ &&
           (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r'))
      ++p_;
  }
  bool Eat(char c) {
    Ws();
    if (p_ < end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }
  bool String() {
    if (!Eat('"')) return false;
    while (p_ < end_) {
      const unsigned char c = *p_++;
      if (c == '"') return true;
      if (c < 0x20) return false;
      if (c == '\\') {
        if (p_ >= end_) return false;
        const char e = *p_++;
        if (e == 'u') {
          for (int i = 0; i < 4; ++i) {
            if (p_ >= end_ || !std::isxdigit(static_cast<unsigned char>(*p_)))
              return false;
            ++p_;
          }
        } else if (!std::strchr("\"\\/bfnrt", e)) {
          return false;
        }
      }
    }
    return false;
  }
  bool Digits() {
    const char* s = p_;
    while (p_ < end_ && std::isdigit(static_cast<unsigned char>(*p_))) ++p_;
    return p_ > s;
  }
  bool Number() {
    if (p_ < end_ && *p_ == '-') ++p_;
    if (p_ < end_ && *p_ == '0') {
      ++p_;
    } else if (!Digits()) {
      return false;
    }
    if (p_ < end_ && *p_ == '.' && (++p_, !Digits())) return false;
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!Digits()) return false;
    }
    return true;
  }
  bool Literal(std::string_view lit) {
    if (static_cast<size_t>(end_ - p_) < lit.size() ||
        std::string_view(p_, lit.size()) != lit)
      return false;
    p_ += lit.size();
    return true;
  }
  bool Value(int depth) {
    if (depth > 64) return false;
    Ws();
    if (p_ >= end_) return false;
    switch (*p_) {
      case '{':
        ++p_;
        if (Eat('}')) return true;
        do {
          if (!String() || !Eat(':') || !Value(depth + 1)) return false;
        } while (Eat(','));
        return Eat('}');
      case '[':
        ++p_;
        if (Eat(']')) return true;
        do {
          if (!Value(depth + 1)) return false;
        } while (Eat(','));
        return Eat(']');
      case '"':
        return String();
      case 't':
        return Literal("true");
      case 'f':
        return Literal("false");
      case 'n':
        return Literal("null");
      default:
        return Number();
    }
  }
  const char* p_;
  const char* end_;
};

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

// The bytes of 10,000 lines of seed 42. Benchmark results are comparable
// across commits only while this holds; change it only together with a note
// in bench/README.md that the workload changed.
constexpr uint64_t kGoldenHash = 0xe79c51b58777e89eULL;

std::string SelfTest() {
  constexpr uint64_t kLines = 50000;
  LogGenOptions options;
  options.seed = 7;
  LogGenCounts counts;
  const std::string a = GenerateLogs(kLines, options, &counts);
  if (a != GenerateLogs(kLines, options)) return "same seed, different bytes";
  {
    silt::bench::LogGenerator gen(options);
    std::string b;
    for (uint64_t i = 0; i < kLines; ++i) gen.Next(&b);
    if (a != b) return "Next() one by one differs from Generate()";
  }
  options.seed = 8;
  if (a == GenerateLogs(kLines, options)) return "seed is ignored";

  uint64_t lines = 0, invalid = 0, labelled = 0, over_500 = 0;
  size_t min_len = SIZE_MAX, max_len = 0;
  for (size_t pos = 0; pos < a.size();) {
    const size_t nl = a.find('\n', pos);
    if (nl == std::string::npos) return "last line has no newline";
    const std::string_view line(a.data() + pos, nl - pos);
    pos = nl + 1;
    ++lines;
    if (line.empty() || (line[0] >= '0' && line[0] <= '9')) {
      return "a line is empty or starts with a digit (octet counting)";
    }
    if (!JsonCheck::Valid(line)) {
      ++invalid;
      continue;
    }
    min_len = std::min(min_len, line.size());
    max_len = std::max(max_len, line.size());
    over_500 += line.size() > 500;
    if (line.find("\"service\":\"") != std::string_view::npos ||
        line.find("\"app\":\"") != std::string_view::npos)
      ++labelled;
  }
  char buf[256];
  if (lines != kLines || counts.lines != kLines || counts.bytes != a.size()) {
    std::snprintf(buf, sizeof(buf), "line count %llu / %llu, bytes %llu / %zu",
                  (unsigned long long)lines, (unsigned long long)counts.lines,
                  (unsigned long long)counts.bytes, a.size());
    return buf;
  }
  if (invalid != kLines / 10000 || counts.malformed != invalid) {
    std::snprintf(buf, sizeof(buf), "%llu non-JSON lines, %llu counted",
                  (unsigned long long)invalid,
                  (unsigned long long)counts.malformed);
    return buf;
  }
  if (labelled != kLines - invalid) return "a JSON line has no service label";
  // Secrets make a few lines longer; nearly all stay within 150..500.
  if (min_len < 150 || max_len > 800 || over_500 > kLines / 100) {
    std::snprintf(buf, sizeof(buf),
                  "line lengths %zu..%zu, %llu over 500 bytes", min_len,
                  max_len, (unsigned long long)over_500);
    return buf;
  }
  uint64_t sum = 0;
  for (const auto& [k, n] : counts.per_service_level) sum += n;
  if (sum + counts.malformed != kLines) return "per (service, level) sum";
  for (const auto& s : silt::bench::LogGenerator::Services()) {
    if (counts.PerService(s) < kLines / 40) return "service too rare: " + s;
  }
  for (const char* l : {"debug", "info", "warn", "error"}) {
    if (counts.PerLevel(l) < kLines / 200) return std::string("level ") + l;
  }
  const double trace = double(counts.with_trace) / kLines;
  const double secret = double(counts.with_secret) / kLines;
  if (trace < 0.5 || trace > 0.7 || secret < 0.002 || secret > 0.01) {
    std::snprintf(buf, sizeof(buf), "trace fraction %.3f, secret %.4f", trace,
                  secret);
    return buf;
  }
  const uint64_t golden = Fnv1a(GenerateLogs(10000));
  if (golden != kGoldenHash) {
    std::snprintf(buf, sizeof(buf),
                  "workload changed: hash of seed 42 is 0x%016llx, expected "
                  "0x%016llx",
                  (unsigned long long)golden, (unsigned long long)kGoldenHash);
    return buf;
  }
  return "";
}

int Usage() {
  std::fprintf(stderr,
               "usage: silt_loggen [--lines N] [--seed S] [--out FILE] "
               "[--stats]\n       silt_loggen --self-test\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t lines = 1000000;
  silt::bench::LogGenOptions options;
  const char* out_path = nullptr;
  bool stats = false;
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (!std::strcmp(argv[i], "--lines") && has_value) {
      lines = std::strtoull(argv[++i], nullptr, 10);
    } else if (!std::strcmp(argv[i], "--seed") && has_value) {
      options.seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (!std::strcmp(argv[i], "--out") && has_value) {
      out_path = argv[++i];
    } else if (!std::strcmp(argv[i], "--stats")) {
      stats = true;
    } else if (!std::strcmp(argv[i], "--self-test")) {
      const std::string err = SelfTest();
      if (!err.empty()) {
        std::fprintf(stderr, "silt_loggen self-test FAILED: %s\n", err.c_str());
        return 1;
      }
      std::fprintf(stderr, "silt_loggen self-test ok\n");
      return 0;
    } else {
      return Usage();
    }
  }
  FILE* out = out_path ? std::fopen(out_path, "wb") : stdout;
  if (!out) {
    std::perror(out_path);
    return 1;
  }
  silt::bench::LogGenerator gen(options);
  std::string buf;
  constexpr uint64_t kChunk = 16384;
  for (uint64_t done = 0; done < lines; done += kChunk) {
    buf.clear();
    gen.Generate(std::min(kChunk, lines - done), &buf);
    if (std::fwrite(buf.data(), 1, buf.size(), out) != buf.size()) {
      std::perror("write");
      return 1;
    }
  }
  if (std::fflush(out) != 0 || (out != stdout && std::fclose(out) != 0)) {
    std::perror("close");
    return 1;
  }
  if (stats) {
    const silt::bench::LogGenCounts c = gen.counts();
    std::fprintf(stderr,
                 "lines=%llu bytes=%llu bytes_per_line=%.1f malformed=%llu "
                 "with_trace=%llu (%.1f%%) with_secret=%llu (%.2f%%)\n",
                 (unsigned long long)c.lines, (unsigned long long)c.bytes,
                 c.lines ? double(c.bytes) / c.lines : 0.0,
                 (unsigned long long)c.malformed,
                 (unsigned long long)c.with_trace,
                 c.lines ? 100.0 * c.with_trace / c.lines : 0.0,
                 (unsigned long long)c.with_secret,
                 c.lines ? 100.0 * c.with_secret / c.lines : 0.0);
    for (const char* level : {"debug", "info", "warn", "error"}) {
      std::fprintf(stderr, "  level %-5s %llu\n", level,
                   (unsigned long long)c.PerLevel(level));
    }
    for (const auto& [key, n] : c.per_service_level) {
      std::fprintf(stderr, "  %-15s %-5s %llu\n", key.first.c_str(),
                   key.second.c_str(), (unsigned long long)n);
    }
  }
  return 0;
}
