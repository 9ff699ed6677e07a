#include "ingest/internal/tail_envelope.h"

#include <simdjson.h>

#include <cstring>
#include <string>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "absl/status/statusor.h"
#include "common/time_util.h"

namespace silt::ingest::internal {

static_assert(EnvelopeDecoder::kPadding >= simdjson::SIMDJSON_PADDING);

namespace od = simdjson::ondemand;

const char* FormatName(Format f) {
  switch (f) {
    case Format::kRaw:
      return "raw";
    case Format::kDocker:
      return "docker";
    case Format::kCri:
      return "cri";
    case Format::kUnknown:
      break;
  }
  return "unknown";
}

const char* StreamName(StreamKind s) {
  switch (s) {
    case StreamKind::kStdout:
      return "stdout";
    case StreamKind::kStderr:
      return "stderr";
    case StreamKind::kNone:
      break;
  }
  return "";
}

struct EnvelopeDecoder::Rep {
  od::parser parser;
  std::string unescaped;  // the fast path's `log`
};

EnvelopeDecoder::EnvelopeDecoder() : rep_(std::make_unique<Rep>()) {}
EnvelopeDecoder::~EnvelopeDecoder() = default;

namespace {

bool ParseStream(std::string_view s, StreamKind* out) {
  if (s == "stdout") {
    *out = StreamKind::kStdout;
  } else if (s == "stderr") {
    *out = StreamKind::kStderr;
  } else {
    return false;
  }
  return true;
}

// Unescapes the JSON string starting at `p` (just past its opening quote)
// into `dst` up to its closing quote; returns the byte past that quote, or
// nullptr for anything the fast path leaves to simdjson: \u escapes, an
// unknown escape, a control byte, or no closing quote before `end`.
// REQUIRES: 16 readable bytes past `end`; `dst` has room for end - p + 16.
const char* UnescapeSimple(const char* p, const char* end, char* dst,
                           size_t* out_len) {
  char* const dst0 = dst;
  while (p < end) {
#if defined(__SSE2__)
    // 16 bytes at a time up to the first quote, backslash or control byte
    // (x <= 0x1f: max(x, 0x1f) == 0x1f).
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i special =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                  _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                     _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x1f)),
                                    _mm_set1_epi8(0x1f)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), v);
    const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(special));
    if (mask == 0) {
      p += 16;
      dst += 16;
      continue;
    }
    const int k = __builtin_ctz(mask);
    p += k;
    dst += k;
    if (p >= end) return nullptr;
#endif
    const unsigned char c = static_cast<unsigned char>(*p);
    if (c == '"') {
      *out_len = static_cast<size_t>(dst - dst0);
      return p + 1;
    }
    if (c < 0x20) return nullptr;
    if (c != '\\') {
      *dst++ = static_cast<char>(c);
      ++p;
      continue;
    }
    if (p + 1 >= end) return nullptr;
    char e;
    switch (p[1]) {
      case '"':
        e = '"';
        break;
      case '\\':
        e = '\\';
        break;
      case '/':
        e = '/';
        break;
      case 'b':
        e = '\b';
        break;
      case 'f':
        e = '\f';
        break;
      case 'n':
        e = '\n';
        break;
      case 'r':
        e = '\r';
        break;
      case 't':
        e = '\t';
        break;
      default:
        return nullptr;  // \u (surrogates, replacement) or invalid
    }
    *dst++ = e;
    p += 2;
  }
  return nullptr;
}

// `p` starts with `lit`: advances past it.
bool Eat(const char*& p, const char* end, std::string_view lit) {
  if (static_cast<size_t>(end - p) < lit.size() ||
      std::memcmp(p, lit.data(), lit.size()) != 0) {
    return false;
  }
  p += lit.size();
  return true;
}

}  // namespace

// Docker writes every line as {"log":"...","stream":"...","time":"..."}
// and nothing else: that exact shape is read here without simdjson (whose
// first pass over the whole line and whose string copy cost more than the
// rest of the tail thread). Anything else, or any doubt, returns false and
// the line goes through simdjson, so both read the same lines the same way.
bool EnvelopeDecoder::DecodeDockerFast(const char* data, size_t len,
                                       EnvelopeLine* out) {
  const char* p = data;
  const char* const end = data + len;
  if (!Eat(p, end, R"({"log":")")) return false;
  std::string& buf = rep_->unescaped;
  if (buf.size() < len + 16) buf.resize(len + 16);
  size_t log_len = 0;
  p = UnescapeSimple(p, end, buf.data(), &log_len);
  if (p == nullptr) return false;
  EnvelopeLine line;
  if (Eat(p, end, R"(,"stream":"stdout")")) {
    line.stream = StreamKind::kStdout;
  } else if (Eat(p, end, R"(,"stream":"stderr")")) {
    line.stream = StreamKind::kStderr;
  } else {
    return false;
  }
  if (!Eat(p, end, R"(,"time":")")) return false;
  const char* const t = p;
  while (p < end && *p != '"' && *p != '\\' &&
         static_cast<unsigned char>(*p) >= 0x20) {
    ++p;
  }
  if (p == end || *p != '"') return false;
  const std::string_view time(t, static_cast<size_t>(p - t));
  ++p;
  if (!Eat(p, end, "}") || p != end) return false;
  // simdjson would reject a line that is not valid UTF-8.
  std::string_view text(buf.data(), log_len);
  if (!simdjson::validate_utf8(text.data(), text.size()) ||
      !simdjson::validate_utf8(time.data(), time.size())) {
    return false;
  }
  absl::StatusOr<int64_t> ts = ParseRfc3339Nanos(time);
  if (ts.ok()) line.ts_ns = *ts;
  line.text = text;
  *out = line;
  return true;
}

bool EnvelopeDecoder::DecodeDocker(const char* data, size_t len,
                                   EnvelopeLine* out) {
  if (DecodeDockerFast(data, len, out)) {
    StripNewline(out);
    return true;
  }
  // Cheap reject before simdjson: an envelope is an object.
  size_t i = 0;
  while (i < len && (data[i] == ' ' || data[i] == '\t')) ++i;
  if (i == len || data[i] != '{') return false;
  if (rep_->parser.capacity() < len &&
      rep_->parser.allocate(len) != simdjson::SUCCESS) {
    return false;
  }
  od::document doc;
  if (rep_->parser.iterate(data, len, len + kPadding).get(doc)) return false;
  od::object obj;
  if (doc.get_object().get(obj)) return false;
  bool have_log = false;
  EnvelopeLine line;
  for (auto field_result : obj) {
    od::field field;
    if (std::move(field_result).get(field)) return false;
    std::string_view key;
    if (field.unescaped_key().get(key)) return false;
    if (key == "log") {
      std::string_view v;
      if (field.value().get_string().get(v)) return false;
      line.text = v;
      have_log = true;
    } else if (key == "stream") {
      std::string_view v;
      if (field.value().get_string().get(v)) return false;
      if (!ParseStream(v, &line.stream)) line.stream = StreamKind::kNone;
    } else if (key == "time") {
      std::string_view v;
      if (field.value().get_string().get(v)) return false;
      absl::StatusOr<int64_t> ts = ParseRfc3339Nanos(v);
      if (ts.ok()) line.ts_ns = *ts;
    }
    // Other keys ("attrs", ...) are skipped by the iteration.
  }
  if (!have_log) return false;
  const char* trailing = nullptr;
  if (!doc.current_location().get(trailing)) return false;  // trailing bytes
  StripNewline(&line);
  *out = line;
  return true;
}

void EnvelopeDecoder::StripNewline(EnvelopeLine* line) {
  std::string_view& text = line->text;
  if (!text.empty() && text.back() == '\n') {
    text.remove_suffix(1);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    line->partial = false;
  } else {
    line->partial = true;
  }
}

bool EnvelopeDecoder::DecodeCri(std::string_view line, EnvelopeLine* out) {
  const size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 < 20) return false;
  const size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return false;
  StreamKind stream;
  if (!ParseStream(line.substr(sp1 + 1, sp2 - sp1 - 1), &stream)) return false;
  // Tag: "P" or "F", optionally followed by ":more:tags".
  const size_t tag_at = sp2 + 1;
  if (tag_at >= line.size()) return false;
  const char tag = line[tag_at];
  if (tag != 'P' && tag != 'F') return false;
  size_t sp3 = line.find(' ', tag_at);
  std::string_view tags = line.substr(
      tag_at, (sp3 == std::string_view::npos ? line.size() : sp3) - tag_at);
  if (tags.size() > 1 && tags[1] != ':') return false;
  absl::StatusOr<int64_t> ts = ParseRfc3339Nanos(line.substr(0, sp1));
  if (!ts.ok()) return false;
  out->ts_ns = *ts;
  out->stream = stream;
  out->partial = tag == 'P';
  out->text =
      sp3 == std::string_view::npos ? std::string_view() : line.substr(sp3 + 1);
  if (!out->partial && !out->text.empty() && out->text.back() == '\r') {
    out->text.remove_suffix(1);
  }
  return true;
}

Format EnvelopeDecoder::Detect(std::string_view line) {
  EnvelopeLine ignored;
  // An application's own JSON line may have a "log" field: an envelope also
  // has a stream or a time.
  if (DecodeDocker(line.data(), line.size(), &ignored) &&
      (ignored.stream != StreamKind::kNone || ignored.ts_ns != 0)) {
    return Format::kDocker;
  }
  if (DecodeCri(line, &ignored)) return Format::kCri;
  return Format::kRaw;
}

}  // namespace silt::ingest::internal
