#include "redact/internal/rewriter.h"

#include "common/log.h"
#include "redact/internal/builtin_rules.h"

namespace silt::redact::internal {
namespace {

constexpr int kMaxLevels = 4;  // JSON inside JSON strings, levels deep
constexpr int kMaxDepth = 64;  // nested containers per level

bool IsWs(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool Hex4(std::string_view s, size_t at, uint32_t* v) {
  if (at + 4 > s.size()) return false;
  uint32_t x = 0;
  for (size_t i = at; i < at + 4; ++i) {
    const int h = HexValue(s[i]);
    if (h < 0) return false;
    x = x << 4 | static_cast<uint32_t>(h);
  }
  *v = x;
  return true;
}

// Decodes a JSON string body. map[k] is the raw offset of the escape or
// byte that produced decoded byte k; map[dec.size()] = raw.size().
bool DecodeJsonString(std::string_view raw, std::string* dec,
                      std::vector<uint32_t>* map) {
  dec->clear();
  map->clear();
  size_t i = 0;
  while (i < raw.size()) {
    const char c = raw[i];
    const uint32_t start = static_cast<uint32_t>(i);
    if (c != '\\') {
      dec->push_back(c);
      map->push_back(start);
      ++i;
      continue;
    }
    if (i + 1 >= raw.size()) return false;
    const char e = raw[i + 1];
    char out = 0;
    switch (e) {
      case '"':
      case '\\':
      case '/':
        out = e;
        break;
      case 'b':
        out = '\b';
        break;
      case 'f':
        out = '\f';
        break;
      case 'n':
        out = '\n';
        break;
      case 'r':
        out = '\r';
        break;
      case 't':
        out = '\t';
        break;
      case 'u': {
        uint32_t cp;
        if (!Hex4(raw, i + 2, &cp)) return false;
        i += 6;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t lo;
          if (i + 1 < raw.size() && raw[i] == '\\' && raw[i + 1] == 'u' &&
              Hex4(raw, i + 2, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          } else {
            cp = 0xFFFD;
          }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          cp = 0xFFFD;
        }
        char buf[4];
        int n;
        if (cp < 0x80) {
          buf[0] = static_cast<char>(cp);
          n = 1;
        } else if (cp < 0x800) {
          buf[0] = static_cast<char>(0xC0 | (cp >> 6));
          buf[1] = static_cast<char>(0x80 | (cp & 0x3F));
          n = 2;
        } else if (cp < 0x10000) {
          buf[0] = static_cast<char>(0xE0 | (cp >> 12));
          buf[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          buf[2] = static_cast<char>(0x80 | (cp & 0x3F));
          n = 3;
        } else {
          buf[0] = static_cast<char>(0xF0 | (cp >> 18));
          buf[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
          buf[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          buf[3] = static_cast<char>(0x80 | (cp & 0x3F));
          n = 4;
        }
        for (int k = 0; k < n; ++k) {
          dec->push_back(buf[k]);
          map->push_back(start);
        }
        continue;
      }
      default:
        return false;
    }
    dec->push_back(out);
    map->push_back(start);
    i += 2;
  }
  map->push_back(static_cast<uint32_t>(raw.size()));
  return true;
}

// "Bearer [REDACTED:...]": an Authorization value redacted before.
bool SchemeThenMarker(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && IsAlpha(text[i])) ++i;
  if (i == 0 || i >= text.size() || !IsWs(text[i])) return false;
  while (i < text.size() && IsWs(text[i])) ++i;
  return IsMarkerAt(text, i);
}

}  // namespace

// One JSON document at one nesting level. Output is lazy: bytes are copied
// to *out only once something changes, and edits come in input order.
class JsonWalk {
 public:
  JsonWalk(Rewriter* rw, std::string_view in, uint64_t mask, int level,
           std::string* out)
      : rw_(rw),
        rules_(rw->rules_),
        in_(in),
        mask_(mask),
        level_(level),
        out_(out) {
    content_mask_ = mask;
    if (rules_->secret_key_rule >= 0 && rules_->secret_key_rule < 63) {
      content_mask_ &= ~Rules::Rep::Bit(rules_->secret_key_rule);
    }
  }

  // False on a syntax error (the caller redacts the input as text).
  bool Run(bool* changed) {
    Ws();
    if (!Value(KeyCtx{}, 0)) return false;
    Ws();
    if (pos_ != in_.size()) return false;
    if (changed_) out_->append(in_.substr(copied_));
    *changed = changed_;
    return true;
  }

 private:
  struct KeyCtx {
    bool secret = false;
    bool keep = false;
    bool auth = false;
    std::string_view key;
  };

  void Ws() {
    while (pos_ < in_.size() && IsWs(in_[pos_])) ++pos_;
  }

  bool At(char c) const { return pos_ < in_.size() && in_[pos_] == c; }

  void Emit(size_t a, size_t b, std::string_view replacement) {
    out_->append(in_.substr(copied_, a - copied_));
    out_->append(replacement);
    copied_ = b;
    changed_ = true;
  }

  void Count(size_t rule) { ++rw_->counts_[rule]; }

  bool ScanString(size_t* b, size_t* e, bool* esc) {
    size_t i = pos_ + 1;
    bool escaped = false;
    while (i < in_.size()) {
      const char c = in_[i];
      if (c == '"') break;
      if (c == '\\') {
        escaped = true;
        i += 2;
        continue;
      }
      ++i;
    }
    if (i >= in_.size()) return false;
    *b = pos_ + 1;
    *e = i;
    *esc = escaped;
    pos_ = i + 1;
    return true;
  }

  bool ScanNumber() {
    const size_t a = pos_;
    if (At('-')) ++pos_;
    if (pos_ >= in_.size() || !IsDigit(in_[pos_])) return false;
    while (pos_ < in_.size()) {
      const char c = in_[pos_];
      if (IsDigit(c) || c == '.' || c == 'e' || c == 'E' || c == '+' ||
          c == '-') {
        ++pos_;
      } else {
        break;
      }
    }
    return pos_ > a;
  }

  bool ScanLiteral() {
    for (std::string_view lit :
         {std::string_view("true"), std::string_view("false"),
          std::string_view("null")}) {
      if (in_.substr(pos_, lit.size()) == lit) {
        pos_ += lit.size();
        return true;
      }
    }
    return false;
  }

  // The text of string body [b, e): a view of the input, or of dec_ (with
  // map_) when it has escapes. Valid until the next Decode.
  bool Decode(size_t b, size_t e, bool esc, std::string_view* text) {
    if (!esc) {
      *text = in_.substr(b, e - b);
      return true;
    }
    if (!DecodeJsonString(in_.substr(b, e - b), &dec_, &map_)) return false;
    *text = dec_;
    return true;
  }

  // Replaces the spans of string body [b, e) (decoded as `text`).
  void EditString(size_t b, size_t e, std::string_view text, bool esc,
                  const std::vector<Span>& spans) {
    piece_.clear();
    size_t raw_prev = b;
    for (const Span& s : spans) {
      size_t ds = s.begin, de = s.end, rs, re;
      if (!esc) {
        rs = b + ds;
        re = b + de;
      } else {
        // Widen to whole escape sequences.
        while (ds > 0 && map_[ds] == map_[ds - 1]) --ds;
        while (de < text.size() && map_[de] == map_[de - 1]) ++de;
        rs = b + map_[ds];
        re = b + map_[de];
      }
      if (rs < raw_prev) continue;
      piece_.append(in_.substr(raw_prev, rs - raw_prev));
      tmp_.clear();
      rules_->AppendReplacement(s.rule, text.substr(ds, de - ds), &tmp_);
      AppendJsonEscaped(&piece_, tmp_);
      raw_prev = re;
      Count(s.rule);
    }
    piece_.append(in_.substr(raw_prev, e - raw_prev));
    Emit(b, e, piece_);
  }

  // Writes `value`'s replacement under `rule` as a JSON string over [a, b).
  void EmitWholeValue(size_t a, size_t b, size_t rule, std::string_view value) {
    tmp_.clear();
    rules_->AppendReplacement(rule, value, &tmp_);
    piece_.assign("\"");
    AppendJsonEscaped(&piece_, tmp_);
    piece_ += '"';
    Emit(a, b, piece_);
    Count(rule);
  }

  bool Value(const KeyCtx& kc, int depth) {
    if (depth > kMaxDepth || pos_ >= in_.size()) return false;
    if (kc.secret) return SecretValue(kc, depth);
    const char c = in_[pos_];
    if (c == '{') return Object(kc.key, depth + 1);
    if (c == '[') return Array(kc, depth + 1);
    if (c == 't' || c == 'f' || c == 'n') return ScanLiteral();
    if (c == '"') {
      size_t b, e;
      bool esc;
      if (!ScanString(&b, &e, &esc)) return false;
      if (kc.keep) return true;
      // With only secret_key flagged, only nested JSON can hold a change.
      if (content_mask_ == 0 && !MayBeJson(b, e)) return true;
      std::string_view text;
      if (!Decode(b, e, esc, &text)) return false;
      StringValue(b, e, esc, text, kc.auth);
      return true;
    }
    if (c == '-' || IsDigit(c)) {
      const size_t a = pos_;
      if (!ScanNumber()) return false;
      if (!kc.keep && content_mask_ != 0) NumberValue(a, pos_);
      return true;
    }
    return false;
  }

  // Whether string body [b, e) starts (after blanks) with '{' or '['.
  bool MayBeJson(size_t b, size_t e) const {
    while (b < e && IsWs(in_[b])) ++b;
    return b < e && (in_[b] == '{' || in_[b] == '[');
  }

  void StringValue(size_t b, size_t e, bool esc, std::string_view text,
                   bool auth) {
    size_t k = 0;
    while (k < text.size() && IsWs(text[k])) ++k;
    if (level_ + 1 < kMaxLevels && k < text.size() &&
        (text[k] == '{' || text[k] == '[')) {
      // JSON in a string: walked as JSON (as text if it is not JSON) and
      // re-encoded whole if it changed.
      std::string* nested = rw_->Buffer(level_ + 1);
      if (rw_->RewriteAt(text, /*json=*/true, mask_, level_ + 1, nested)) {
        piece_.clear();
        AppendJsonEscaped(&piece_, *nested);
        Emit(b, e, piece_);
      }
      return;
    }
    if (content_mask_ == 0) return;
    TextContext ctx;
    ctx.auth_value = auth;
    rw_->finder_->Find(text, content_mask_, ctx, &spans_);
    if (!spans_.empty()) EditString(b, e, text, esc, spans_);
  }

  void NumberValue(size_t a, size_t b) {
    std::string_view text = in_.substr(a, b - a);
    rw_->finder_->Find(text, content_mask_, TextContext{}, &spans_);
    if (spans_.empty()) return;
    std::string rebuilt;
    size_t prev = 0;
    for (const Span& s : spans_) {
      rebuilt.append(text.substr(prev, s.begin - prev));
      rules_->AppendReplacement(s.rule, text.substr(s.begin, s.end - s.begin),
                                &rebuilt);
      prev = s.end;
      Count(s.rule);
    }
    rebuilt.append(text.substr(prev));
    piece_.assign("\"");
    AppendJsonEscaped(&piece_, rebuilt);
    piece_ += '"';
    Emit(a, b, piece_);
  }

  bool SecretValue(const KeyCtx& kc, int depth) {
    const size_t a = pos_;
    const char c = in_[pos_];
    const size_t rule = static_cast<size_t>(rules_->secret_key_rule);
    if (c == 't' || c == 'f' || c == 'n') return ScanLiteral();
    if (c == '"') {
      size_t b, e;
      bool esc;
      if (!ScanString(&b, &e, &esc)) return false;
      std::string_view text;
      if (!Decode(b, e, esc, &text)) return false;
      if (IsMarkerAt(text, 0)) return true;
      const int bearer = rules_->bearer_rule;
      if (kc.auth && SchemeThenMarker(text)) return true;
      if (kc.auth && bearer >= 0) {
        // `Authorization: Bearer x` keeps its scheme readable.
        TextContext ctx;
        ctx.auth_value = true;
        rw_->finder_->Find(text, Rules::Rep::Bit(bearer), ctx, &spans_);
        if (!spans_.empty()) {
          EditString(b, e, text, esc, spans_);
          return true;
        }
      }
      EmitWholeValue(a, pos_, rule, text);
      return true;
    }
    if (!Skip(depth)) return false;
    EmitWholeValue(a, pos_, rule, in_.substr(a, pos_ - a));
    return true;
  }

  bool Object(std::string_view parent, int depth) {
    if (depth > kMaxDepth) return false;
    ++pos_;
    Ws();
    if (At('}')) {
      ++pos_;
      return true;
    }
    std::string key;
    while (true) {
      if (!At('"')) return false;
      size_t b, e;
      bool esc;
      if (!ScanString(&b, &e, &esc)) return false;
      std::string_view text;
      if (!Decode(b, e, esc, &text)) return false;
      key.assign(text);
      if (content_mask_ != 0) {
        rw_->finder_->Find(text, content_mask_, TextContext{}, &spans_);
        if (!spans_.empty()) EditString(b, e, text, esc, spans_);
      }
      Ws();
      if (!At(':')) return false;
      ++pos_;
      Ws();
      KeyCtx kc;
      kc.key = key;
      kc.secret = rules_->KeyIsSecret(key);
      kc.keep = rules_->KeyIsKept(key, parent);
      kc.auth = KeyIsAuthorization(key);
      if (!Value(kc, depth)) return false;
      Ws();
      if (At(',')) {
        ++pos_;
        Ws();
        continue;
      }
      if (At('}')) {
        ++pos_;
        return true;
      }
      return false;
    }
  }

  bool Array(const KeyCtx& kc, int depth) {
    if (depth > kMaxDepth) return false;
    ++pos_;
    Ws();
    if (At(']')) {
      ++pos_;
      return true;
    }
    KeyCtx child = kc;
    child.secret = false;
    while (true) {
      if (!Value(child, depth)) return false;
      Ws();
      if (At(',')) {
        ++pos_;
        Ws();
        continue;
      }
      if (At(']')) {
        ++pos_;
        return true;
      }
      return false;
    }
  }

  // Skips any value without looking inside.
  bool Skip(int depth) {
    if (depth > kMaxDepth || pos_ >= in_.size()) return false;
    const char c = in_[pos_];
    size_t b, e;
    bool esc;
    if (c == '"') return ScanString(&b, &e, &esc);
    if (c == 't' || c == 'f' || c == 'n') return ScanLiteral();
    if (c == '-' || IsDigit(c)) return ScanNumber();
    if (c != '{' && c != '[') return false;
    const char close = c == '{' ? '}' : ']';
    ++pos_;
    Ws();
    if (At(close)) {
      ++pos_;
      return true;
    }
    while (true) {
      if (c == '{') {
        if (!At('"') || !ScanString(&b, &e, &esc)) return false;
        Ws();
        if (!At(':')) return false;
        ++pos_;
        Ws();
      }
      if (!Skip(depth + 1)) return false;
      Ws();
      if (At(',')) {
        ++pos_;
        Ws();
        continue;
      }
      if (At(close)) {
        ++pos_;
        return true;
      }
      return false;
    }
  }

  Rewriter* rw_;
  const Rules::Rep* rules_;
  std::string_view in_;
  uint64_t mask_;
  uint64_t content_mask_;
  int level_;
  std::string* out_;
  size_t pos_ = 0;
  size_t copied_ = 0;
  bool changed_ = false;
  std::string dec_;
  std::vector<uint32_t> map_;
  std::vector<Span> spans_;
  std::string tmp_, piece_;
};

Rewriter::Rewriter(const Rules::Rep* rules, SpanFinder* finder)
    : rules_(rules),
      finder_(finder),
      counts_(rules->rules.size(), 0),
      buffers_(kMaxLevels + 1) {}

std::string* Rewriter::Buffer(int level) { return &buffers_[level]; }

bool Rewriter::Rewrite(std::string_view in, bool json, uint64_t mask,
                       std::string* out) {
  return RewriteAt(in, json, mask, 0, out);
}

bool Rewriter::RewriteAt(std::string_view in, bool json, uint64_t mask,
                         int level, std::string* out) {
  out->clear();
  if (json) {
    std::vector<uint64_t> saved = counts_;
    JsonWalk walk(this, in, mask, level, out);
    bool changed = false;
    if (walk.Run(&changed)) return changed;
    counts_ = std::move(saved);
    out->clear();
  }
  return RewriteText(in, mask, TextContext{}, out);
}

bool Rewriter::RewriteText(std::string_view in, uint64_t mask,
                           const TextContext& ctx, std::string* out) {
  std::vector<Span> spans;
  finder_->Find(in, mask, ctx, &spans);
  if (spans.empty()) return false;
  size_t prev = 0;
  for (const Span& s : spans) {
    out->append(in.substr(prev, s.begin - prev));
    rules_->AppendReplacement(s.rule, in.substr(s.begin, s.end - s.begin), out);
    prev = s.end;
    ++counts_[s.rule];
  }
  out->append(in.substr(prev));
  return true;
}

}  // namespace silt::redact::internal
