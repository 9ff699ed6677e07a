#include "query/internal/lexer.h"

#include <cctype>

namespace silt::query {
namespace {

bool IsIdentStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool IsIdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Lexer {
 public:
  explicit Lexer(std::string_view q) : q_(q) {}

  absl::StatusOr<std::vector<Token>> Run() {
    std::vector<Token> out;
    while (true) {
      SkipSpaceAndComments();
      Token t;
      t.line = line_;
      t.col = col_;
      if (pos_ >= q_.size()) {
        out.push_back(std::move(t));
        return out;
      }
      absl::Status st = Next(&t);
      if (!st.ok()) return st;
      out.push_back(std::move(t));
    }
  }

 private:
  char Peek(size_t ahead = 0) const {
    return pos_ + ahead < q_.size() ? q_[pos_ + ahead] : '\0';
  }
  void Advance(size_t n = 1) {
    for (size_t i = 0; i < n && pos_ < q_.size(); ++i) {
      if (q_[pos_] == '\n') {
        ++line_;
        col_ = 1;
      } else {
        ++col_;
      }
      ++pos_;
    }
  }
  void SkipSpaceAndComments() {
    while (pos_ < q_.size()) {
      char c = q_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        Advance();
      } else if (c == '#') {
        while (pos_ < q_.size() && q_[pos_] != '\n') Advance();
      } else {
        break;
      }
    }
  }
  absl::Status Error(int line, int col, std::string_view msg) const {
    return absl::InvalidArgumentError(ParseErrorAt(line, col, msg));
  }

  absl::Status Next(Token* t) {
    char c = Peek();
    // Two-character operators first.
    static constexpr struct {
      const char* text;
      Tok kind;
    } kOps[] = {
        {"!=", Tok::kNeq},   {"!~", Tok::kNre},       {"=~", Tok::kRe},
        {"==", Tok::kCmpEq}, {"|=", Tok::kPipeExact}, {"|~", Tok::kPipeMatch},
        {">=", Tok::kGe},    {"<=", Tok::kLe},        {"=", Tok::kEq},
        {"|", Tok::kPipe},   {">", Tok::kGt},         {"<", Tok::kLt},
        {"{", Tok::kLBrace}, {"}", Tok::kRBrace},     {"(", Tok::kLParen},
        {")", Tok::kRParen}, {",", Tok::kComma},      {"+", Tok::kAdd},
        {"-", Tok::kSub},    {"*", Tok::kMul},        {"/", Tok::kDiv},
        {"%", Tok::kMod},    {"^", Tok::kPow}};
    for (std::string_view flag : {"--strict", "--keep-empty"}) {
      if (q_.substr(pos_, flag.size()) == flag &&
          !IsIdentChar(Peek(flag.size())) && Peek(flag.size()) != '-') {
        t->kind = Tok::kFlag;
        t->text = std::string(flag);
        Advance(flag.size());
        return absl::OkStatus();
      }
    }
    if (c == '"') return LexString(t);
    if (c == '`') return LexRawString(t);
    if (c == '[') return LexRange(t);
    if (IsDigit(c) || (c == '.' && IsDigit(Peek(1)))) return LexNumber(t);
    if (IsIdentStart(c)) {
      size_t start = pos_;
      while (pos_ < q_.size() && IsIdentChar(q_[pos_])) Advance();
      t->kind = Tok::kIdent;
      t->text = std::string(q_.substr(start, pos_ - start));
      return absl::OkStatus();
    }
    for (const auto& op : kOps) {
      std::string_view text(op.text);
      if (q_.substr(pos_, text.size()) == text) {
        t->kind = op.kind;
        t->text = std::string(text);
        Advance(text.size());
        return absl::OkStatus();
      }
    }
    return Error(
        line_, col_,
        "syntax error: unexpected character '" + std::string(1, c) + "'");
  }

  absl::Status LexString(Token* t) {
    int line = line_, col = col_;
    Advance();  // opening quote
    size_t start = pos_;
    while (pos_ < q_.size() && q_[pos_] != '"') {
      if (q_[pos_] == '\\') Advance();
      if (pos_ < q_.size() && q_[pos_] == '\n') break;
      Advance();
    }
    if (pos_ >= q_.size() || q_[pos_] != '"') {
      return Error(line, col, "syntax error: literal not terminated");
    }
    auto body = UnescapeGoString(q_.substr(start, pos_ - start));
    Advance();  // closing quote
    if (!body.ok()) {
      return Error(line, col,
                   "syntax error: invalid string: " +
                       std::string(body.status().message()));
    }
    t->kind = Tok::kString;
    t->text = *std::move(body);
    return absl::OkStatus();
  }

  absl::Status LexRawString(Token* t) {
    int line = line_, col = col_;
    Advance();
    size_t start = pos_;
    while (pos_ < q_.size() && q_[pos_] != '`') Advance();
    if (pos_ >= q_.size()) {
      return Error(line, col, "syntax error: literal not terminated");
    }
    t->kind = Tok::kString;
    t->text = std::string(q_.substr(start, pos_ - start));
    Advance();
    return absl::OkStatus();
  }

  absl::Status LexRange(Token* t) {
    int line = line_, col = col_;
    Advance();
    size_t start = pos_;
    while (pos_ < q_.size() && q_[pos_] != ']') Advance();
    if (pos_ >= q_.size()) {
      return Error(line, col, "syntax error: unclosed range, missing ]");
    }
    std::string_view inner = q_.substr(start, pos_ - start);
    while (!inner.empty() && inner.front() == ' ') inner.remove_prefix(1);
    while (!inner.empty() && inner.back() == ' ') inner.remove_suffix(1);
    t->kind = Tok::kRange;
    t->text = std::string(inner);
    Advance();
    return absl::OkStatus();
  }

  // Numbers, and durations / byte sizes that start with a digit (5m, 1h30m,
  // 10KB): a digit run followed by letters is one token.
  absl::Status LexNumber(Token* t) {
    size_t start = pos_;
    bool hex = Peek() == '0' && (Peek(1) == 'x' || Peek(1) == 'X');
    if (hex) {
      Advance(2);
      while (HexValue(Peek()) >= 0) Advance();
      t->kind = Tok::kNumber;
      t->text = std::string(q_.substr(start, pos_ - start));
      return absl::OkStatus();
    }
    while (IsDigit(Peek()) || Peek() == '.') Advance();
    // Exponent: 1e3, 1.5E-2.
    if ((Peek() == 'e' || Peek() == 'E') &&
        (IsDigit(Peek(1)) ||
         ((Peek(1) == '+' || Peek(1) == '-') && IsDigit(Peek(2))))) {
      Advance(2);
      while (IsDigit(Peek())) Advance();
    }
    t->kind = Tok::kNumber;
    if (std::isalpha(static_cast<unsigned char>(Peek()))) {
      while (std::isalnum(static_cast<unsigned char>(Peek())) ||
             Peek() == '.') {
        Advance();
      }
      t->kind = Tok::kDuration;
    }
    t->text = std::string(q_.substr(start, pos_ - start));
    return absl::OkStatus();
  }

  std::string_view q_;
  size_t pos_ = 0;
  int line_ = 1;
  int col_ = 1;
};

}  // namespace

absl::StatusOr<std::vector<Token>> Lex(std::string_view query) {
  return Lexer(query).Run();
}

std::string ParseErrorAt(int line, int col, std::string_view msg) {
  if (line == 0 && col == 0) return "parse error : " + std::string(msg);
  return "parse error at line " + std::to_string(line) + ", col " +
         std::to_string(col) + ": " + std::string(msg);
}

std::string TokName(Tok kind) {
  switch (kind) {
    case Tok::kEnd:
      return "$end";
    case Tok::kIdent:
      return "IDENTIFIER";
    case Tok::kString:
      return "STRING";
    case Tok::kNumber:
      return "NUMBER";
    case Tok::kDuration:
      return "DURATION";
    case Tok::kRange:
      return "RANGE";
    case Tok::kLBrace:
      return "{";
    case Tok::kRBrace:
      return "}";
    case Tok::kLParen:
      return "(";
    case Tok::kRParen:
      return ")";
    case Tok::kComma:
      return ",";
    case Tok::kEq:
      return "=";
    case Tok::kNeq:
      return "!=";
    case Tok::kRe:
      return "=~";
    case Tok::kNre:
      return "!~";
    case Tok::kPipeExact:
      return "|=";
    case Tok::kPipeMatch:
      return "|~";
    case Tok::kPipe:
      return "|";
    case Tok::kCmpEq:
      return "==";
    case Tok::kGt:
      return ">";
    case Tok::kGe:
      return ">=";
    case Tok::kLt:
      return "<";
    case Tok::kLe:
      return "<=";
    case Tok::kAdd:
      return "+";
    case Tok::kSub:
      return "-";
    case Tok::kMul:
      return "*";
    case Tok::kDiv:
      return "/";
    case Tok::kMod:
      return "%";
    case Tok::kPow:
      return "^";
    case Tok::kFlag:
      return "FLAG";
  }
  return "?";
}

absl::StatusOr<std::string> UnescapeGoString(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= s.size())
      return absl::InvalidArgumentError("trailing backslash");
    char e = s[i];
    switch (e) {
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
        out += '\\';
        break;
      case '"':
        out += '"';
        break;
      case '\'':
        out += '\'';
        break;
      case 'x':
      case 'u':
      case 'U': {
        size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        if (i + n >= s.size()) {
          return absl::InvalidArgumentError("short escape");
        }
        uint32_t v = 0;
        for (size_t k = 1; k <= n; ++k) {
          int h = HexValue(s[i + k]);
          if (h < 0) return absl::InvalidArgumentError("bad hex escape");
          v = v * 16 + static_cast<uint32_t>(h);
        }
        i += n;
        if (e == 'x') {
          out += static_cast<char>(v);
        } else {
          if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
            return absl::InvalidArgumentError("invalid Unicode code point");
          }
          AppendUtf8(&out, v);
        }
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          if (i + 2 >= s.size())
            return absl::InvalidArgumentError("short escape");
          uint32_t v = 0;
          for (size_t k = 0; k < 3; ++k) {
            char d = s[i + k];
            if (d < '0' || d > '7') {
              return absl::InvalidArgumentError("bad octal escape");
            }
            v = v * 8 + static_cast<uint32_t>(d - '0');
          }
          if (v > 255) return absl::InvalidArgumentError("bad octal escape");
          out += static_cast<char>(v);
          i += 2;
          break;
        }
        return absl::InvalidArgumentError(std::string("unknown escape \\") + e);
    }
  }
  return out;
}

}  // namespace silt::query
