#include "query/internal/parse_pipeline.h"

#include <cstdlib>

#include "common/labels.h"
#include "query/internal/template.h"
#include "query/internal/units.h"

namespace silt::query {
namespace {

bool IsMatchOp(Tok k) {
  return k == Tok::kEq || k == Tok::kNeq || k == Tok::kRe || k == Tok::kNre;
}
bool IsCmpOp(Tok k) {
  return IsMatchOp(k) || k == Tok::kCmpEq || k == Tok::kGt || k == Tok::kGe ||
         k == Tok::kLt || k == Tok::kLe;
}

CmpOp ToCmp(Tok k) {
  switch (k) {
    case Tok::kNeq:
      return CmpOp::kNe;
    case Tok::kGt:
      return CmpOp::kGt;
    case Tok::kGe:
      return CmpOp::kGe;
    case Tok::kLt:
      return CmpOp::kLt;
    case Tok::kLe:
      return CmpOp::kLe;
    default:
      return CmpOp::kEq;
  }
}

// Loki's rule for byte literals: digits then only B i k K M G T P.
bool LooksLikeBytes(const std::string& text) {
  size_t i = 0;
  while (
      i < text.size() &&
      (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
    ++i;
  }
  if (i == text.size()) return false;
  for (; i < text.size(); ++i) {
    if (std::string_view("BikKMGTP").find(text[i]) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

absl::StatusOr<std::shared_ptr<const LabelFilter>> ParseLabelFilterOr(
    TokenStream* ts);

absl::StatusOr<std::shared_ptr<const LabelFilter>> ParseLabelFilterPrimary(
    TokenStream* ts) {
  if (ts->Peek().kind == Tok::kLParen) {
    ts->Next();
    auto f = ParseLabelFilterOr(ts);
    if (!f.ok()) return f.status();
    RETURN_IF_ERROR_(ts->Expect(Tok::kRParen));
    return f;
  }
  const Token& name = ts->Peek();
  if (name.kind != Tok::kIdent) return ts->Unexpected(name, "IDENTIFIER");
  const Tok op = ts->Peek(1).kind;
  if (!IsCmpOp(op)) {
    return ts->Unexpected(ts->Peek(1), "a comparison operator");
  }
  const Token& value = ts->Peek(2);
  auto f = std::make_shared<LabelFilter>();
  f->name = name.text;
  f->cmp = ToCmp(op);
  if (value.kind == Tok::kString) {
    if (!IsMatchOp(op)) {
      return ts->Unexpected(value, "NUMBER, DURATION or BYTES");
    }
    auto m = ParseMatcher(ts);
    if (!m.ok()) return m.status();
    f->kind = LabelFilter::Kind::kString;
    f->matcher = *std::move(m);
    return std::shared_ptr<const LabelFilter>(std::move(f));
  }
  if (op == Tok::kRe || op == Tok::kNre) {
    return ts->Unexpected(value, "STRING");
  }
  ts->Next();
  ts->Next();
  bool negative = false;
  if (ts->Peek().kind == Tok::kSub || ts->Peek().kind == Tok::kAdd) {
    negative = ts->Next().kind == Tok::kSub;
  }
  const Token& v = ts->Next();
  f->text = (negative ? "-" : "") + v.text;
  if (v.kind == Tok::kNumber) {
    auto n = ParseFloat(v.text);
    if (!n) return ts->ErrorAt(v, "syntax error: invalid number " + v.text);
    f->kind = LabelFilter::Kind::kNumber;
    f->number = negative ? -*n : *n;
  } else if (v.kind == Tok::kDuration) {
    if (auto d = ParseGoDurationSeconds(v.text)) {
      f->kind = LabelFilter::Kind::kDuration;
      f->number = negative ? -*d : *d;
    } else if (auto b = LooksLikeBytes(v.text) ? ParseHumanBytes(v.text)
                                               : std::nullopt) {
      f->kind = LabelFilter::Kind::kBytes;
      f->number = negative ? -*b : *b;
    } else {
      return ts->ErrorAt(
          v, "syntax error: invalid duration or byte size " + v.text);
    }
  } else {
    return ts->Unexpected(v, "STRING, NUMBER, DURATION or BYTES");
  }
  return std::shared_ptr<const LabelFilter>(std::move(f));
}

std::shared_ptr<const LabelFilter> Combine(
    LabelFilter::Kind kind, std::shared_ptr<const LabelFilter> lhs,
    std::shared_ptr<const LabelFilter> rhs) {
  auto f = std::make_shared<LabelFilter>();
  f->kind = kind;
  f->lhs = std::move(lhs);
  f->rhs = std::move(rhs);
  return f;
}

// `and` (also written `,` or by juxtaposition) binds tighter than `or`.
absl::StatusOr<std::shared_ptr<const LabelFilter>> ParseLabelFilterAnd(
    TokenStream* ts) {
  auto lhs = ParseLabelFilterPrimary(ts);
  if (!lhs.ok()) return lhs;
  while (true) {
    const Token& t = ts->Peek();
    if (ts->PeekKeyword("and") || t.kind == Tok::kComma) {
      ts->Next();
    } else if (!((t.kind == Tok::kIdent && !ts->PeekKeyword("or")) ||
                 t.kind == Tok::kLParen)) {
      break;
    }
    auto rhs = ParseLabelFilterPrimary(ts);
    if (!rhs.ok()) return rhs;
    lhs = Combine(LabelFilter::Kind::kAnd, *std::move(lhs), *std::move(rhs));
  }
  return lhs;
}

absl::StatusOr<std::shared_ptr<const LabelFilter>> ParseLabelFilterOr(
    TokenStream* ts) {
  auto lhs = ParseLabelFilterAnd(ts);
  if (!lhs.ok()) return lhs;
  while (ts->PeekKeyword("or")) {
    ts->Next();
    auto rhs = ParseLabelFilterAnd(ts);
    if (!rhs.ok()) return rhs;
    lhs = Combine(LabelFilter::Kind::kOr, *std::move(lhs), *std::move(rhs));
  }
  return lhs;
}

// A JSON path as Loki's json parser takes it: a.b[0]["c d"].
absl::Status ParseJsonPath(const Token& tok, Extraction* e) {
  const std::string& s = e->expr;
  auto bad = [&] {
    return TokenStream::ErrorAt(tok, "cannot parse expression [" + s + "]");
  };
  size_t i = 0;
  bool expect_key = true;
  while (i < s.size()) {
    if (s[i] == '[') {
      size_t close = s.find(']', i);
      if (close == std::string::npos) return bad();
      std::string inner = s.substr(i + 1, close - i - 1);
      Extraction::Step step;
      if (inner.size() >= 2 && inner.front() == '"' && inner.back() == '"') {
        auto body = UnescapeGoString(
            std::string_view(inner).substr(1, inner.size() - 2));
        if (!body.ok()) return bad();
        step.key = *std::move(body);
        // A quoted key may itself hold ']' only if escaped; keep it simple.
      } else {
        char* end = nullptr;
        long idx = std::strtol(inner.c_str(), &end, 10);
        if (inner.empty() || *end != '\0' || idx < 0) return bad();
        step.index = idx;
      }
      e->path.push_back(std::move(step));
      i = close + 1;
      expect_key = false;
    } else if (s[i] == '.') {
      if (expect_key) return bad();
      ++i;
      expect_key = true;
      if (i >= s.size()) return bad();
    } else {
      if (!expect_key) return bad();
      size_t j = i;
      while (j < s.size() && s[j] != '.' && s[j] != '[') ++j;
      Extraction::Step step;
      step.key = s.substr(i, j - i);
      e->path.push_back(std::move(step));
      i = j;
      expect_key = false;
    }
  }
  if (e->path.empty()) return bad();
  return absl::OkStatus();
}

// label="expr", label, ...  (json: expr is a path; logfmt: a key)
absl::Status ParseExtractions(TokenStream* ts, bool json,
                              std::vector<Extraction>* out) {
  while (ts->Peek().kind == Tok::kIdent) {
    Extraction e;
    const Token& label = ts->Next();
    e.label = label.text;
    if (!IsValidLabelName(e.label)) {
      return ts->ErrorAt(label,
                         "invalid extracted label name '" + e.label + "'");
    }
    const Token* expr_tok = &label;
    if (ts->Peek().kind == Tok::kEq) {
      ts->Next();
      if (ts->Peek().kind != Tok::kString) {
        return ts->Unexpected(ts->Peek(), "STRING");
      }
      expr_tok = &ts->Next();
      e.expr = expr_tok->text;
    } else {
      e.expr = e.label;
    }
    if (json) {
      RETURN_IF_ERROR_(ParseJsonPath(*expr_tok, &e));
    }
    out->push_back(std::move(e));
    if (ts->Peek().kind != Tok::kComma) break;
    ts->Next();
  }
  return absl::OkStatus();
}

absl::Status ParseNamedMatchers(TokenStream* ts,
                                std::vector<NamedMatcher>* out) {
  while (true) {
    if (ts->Peek().kind != Tok::kIdent) {
      return ts->Unexpected(ts->Peek(), "IDENTIFIER");
    }
    NamedMatcher n;
    n.name = ts->Peek().text;
    if (IsMatchOp(ts->Peek(1).kind)) {
      auto m = ParseMatcher(ts);
      if (!m.ok()) return m.status();
      n.matcher = *std::move(m);
    } else {
      ts->Next();
    }
    out->push_back(std::move(n));
    if (ts->Peek().kind != Tok::kComma) return absl::OkStatus();
    ts->Next();
  }
}

absl::Status ParseLabelFormats(TokenStream* ts, std::vector<LabelFormat>* out) {
  while (true) {
    if (ts->Peek().kind != Tok::kIdent) {
      return ts->Unexpected(ts->Peek(), "IDENTIFIER");
    }
    LabelFormat f;
    const Token& dst = ts->Next();
    f.dst = dst.text;
    RETURN_IF_ERROR_(ts->Expect(Tok::kEq));
    const Token& src = ts->Next();
    if (src.kind == Tok::kIdent) {
      f.src = src.text;
    } else if (src.kind == Tok::kString) {
      auto t = Template::Parse(src.text);
      if (!t.ok()) return ts->ErrorAt(src, std::string(t.status().message()));
      f.tmpl = *std::move(t);
      f.text = src.text;
    } else {
      return ts->Unexpected(src, "IDENTIFIER or STRING");
    }
    out->push_back(std::move(f));
    if (ts->Peek().kind != Tok::kComma) return absl::OkStatus();
    ts->Next();
  }
}

absl::Status ParseLineFilter(TokenStream* ts, LineFilterOp op,
                             std::vector<PipelineStage>* stages) {
  PipelineStage s;
  s.kind = PipelineStage::Kind::kLineFilter;
  s.line_filter.op = op;
  while (true) {
    const Token& value = ts->Peek();
    if (value.kind == Tok::kIdent && ts->Lower(value.text) == "ip" &&
        ts->Peek(1).kind == Tok::kLParen) {
      return ts->ErrorAt(value, "the ip() line filter is not supported");
    }
    if (value.kind != Tok::kString) return ts->Unexpected(value, "STRING");
    ts->Next();
    LineFilterValue v;
    v.value = value.text;
    if (op == LineFilterOp::kRegex || op == LineFilterOp::kNotRegex) {
      auto re = Regex::Compile(value.text, Regex::Mode::kSearch);
      if (!re.ok())
        return ts->ErrorAt(value, std::string(re.status().message()));
      v.regex = std::shared_ptr<const Regex>(*std::move(re));
    }
    s.line_filter.values.push_back(std::move(v));
    // `|= "a" or "b"`
    if (ts->PeekKeyword("or") && ts->Peek(1).kind == Tok::kString) {
      ts->Next();
      continue;
    }
    break;
  }
  stages->push_back(std::move(s));
  return absl::OkStatus();
}

// One `| name ...` stage; the cursor is on the name.
absl::Status ParseNamedStage(TokenStream* ts,
                             std::vector<PipelineStage>* stages) {
  const Token& t = ts->Peek();
  const std::string kw = t.kind == Tok::kIdent ? ts->Lower(t.text) : "";
  // A keyword followed by an operator is a label of that name.
  const bool label_use = IsCmpOp(ts->Peek(1).kind);
  PipelineStage s;
  if (kw == "json" && !label_use) {
    ts->Next();
    s.kind = PipelineStage::Kind::kJson;
    RETURN_IF_ERROR_(ParseExtractions(ts, /*json=*/true, &s.extractions));
  } else if (kw == "logfmt" && !label_use) {
    ts->Next();
    s.kind = PipelineStage::Kind::kLogfmt;
    while (ts->Peek().kind == Tok::kFlag) {
      const std::string& flag = ts->Next().text;
      if (flag == "--strict") s.strict = true;
      if (flag == "--keep-empty") s.keep_empty = true;
    }
    RETURN_IF_ERROR_(ParseExtractions(ts, /*json=*/false, &s.extractions));
  } else if (kw == "line_format" && !label_use) {
    ts->Next();
    const Token& tmpl = ts->Peek();
    if (tmpl.kind != Tok::kString) return ts->Unexpected(tmpl, "STRING");
    ts->Next();
    auto parsed = Template::Parse(tmpl.text);
    if (!parsed.ok())
      return ts->ErrorAt(tmpl, std::string(parsed.status().message()));
    s.kind = PipelineStage::Kind::kLineFormat;
    s.tmpl = *std::move(parsed);
    s.text = tmpl.text;
  } else if (kw == "label_format" && !label_use) {
    ts->Next();
    s.kind = PipelineStage::Kind::kLabelFormat;
    RETURN_IF_ERROR_(ParseLabelFormats(ts, &s.label_formats));
  } else if ((kw == "drop" || kw == "keep") && !label_use) {
    ts->Next();
    s.kind =
        kw == "drop" ? PipelineStage::Kind::kDrop : PipelineStage::Kind::kKeep;
    RETURN_IF_ERROR_(ParseNamedMatchers(ts, &s.names));
  } else if (kw == "decolorize" && !label_use) {
    ts->Next();
    s.kind = PipelineStage::Kind::kDecolorize;
  } else if ((kw == "regexp" || kw == "pattern" || kw == "unpack" ||
              kw == "xml") &&
             !label_use) {
    return ts->ErrorAt(t, "pipeline stage | " + t.text +
                              " is not supported; use | json or | logfmt");
  } else if (t.kind == Tok::kIdent || t.kind == Tok::kLParen) {
    auto f = ParseLabelFilterOr(ts);
    if (!f.ok()) return f.status();
    s.kind = PipelineStage::Kind::kLabelFilter;
    s.label_filter = *std::move(f);
  } else {
    return ts->Unexpected(t, "IDENTIFIER");
  }
  stages->push_back(std::move(s));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<index::Matcher> ParseMatcher(TokenStream* ts) {
  const Token& name = ts->Peek();
  if (name.kind != Tok::kIdent) return ts->Unexpected(name, "IDENTIFIER");
  ts->Next();
  const Token& op_tok = ts->Peek();
  index::Matcher::Op op;
  switch (op_tok.kind) {
    case Tok::kEq:
      op = index::Matcher::Op::kEq;
      break;
    case Tok::kNeq:
      op = index::Matcher::Op::kNe;
      break;
    case Tok::kRe:
      op = index::Matcher::Op::kRe;
      break;
    case Tok::kNre:
      op = index::Matcher::Op::kNre;
      break;
    default:
      return ts->Unexpected(op_tok, "= or != or =~ or !~");
  }
  ts->Next();
  const Token& value = ts->Peek();
  if (value.kind != Tok::kString) return ts->Unexpected(value, "STRING");
  ts->Next();
  auto m = index::Matcher::Create(name.text, op, value.text);
  if (!m.ok()) return ts->ErrorAt(value, std::string(m.status().message()));
  return m;
}

bool AtUnwrap(const TokenStream& ts) {
  return ts.Peek().kind == Tok::kPipe && ts.PeekKeyword("unwrap", 1);
}

absl::Status ParsePipeline(TokenStream* ts,
                           std::vector<PipelineStage>* stages) {
  while (true) {
    const Token& t = ts->Peek();
    switch (t.kind) {
      case Tok::kPipeExact:
        ts->Next();
        RETURN_IF_ERROR_(ParseLineFilter(ts, LineFilterOp::kContains, stages));
        break;
      case Tok::kNeq:
        ts->Next();
        RETURN_IF_ERROR_(
            ParseLineFilter(ts, LineFilterOp::kNotContains, stages));
        break;
      case Tok::kPipeMatch:
        ts->Next();
        RETURN_IF_ERROR_(ParseLineFilter(ts, LineFilterOp::kRegex, stages));
        break;
      case Tok::kNre:
        ts->Next();
        RETURN_IF_ERROR_(ParseLineFilter(ts, LineFilterOp::kNotRegex, stages));
        break;
      case Tok::kPipe:
        if (AtUnwrap(*ts)) return absl::OkStatus();
        if (ts->Peek(1).kind == Tok::kGt) {
          return ts->ErrorAt(t, "pattern line filters (|>) are not supported");
        }
        ts->Next();
        RETURN_IF_ERROR_(ParseNamedStage(ts, stages));
        break;
      default:
        return absl::OkStatus();
    }
  }
}

absl::Status ParseUnwrap(TokenStream* ts, Unwrap* out) {
  ts->Next();  // |
  ts->Next();  // unwrap
  const Token& t = ts->Peek();
  if (t.kind != Tok::kIdent) return ts->Unexpected(t, "IDENTIFIER");
  const std::string kw = ts->Lower(t.text);
  if (ts->Peek(1).kind == Tok::kLParen &&
      (kw == "duration" || kw == "duration_seconds" || kw == "bytes")) {
    ts->Next();
    ts->Next();
    out->conv = kw == "bytes" ? Unwrap::Conv::kBytes : Unwrap::Conv::kDuration;
    out->conv_name = kw;
    const Token& label = ts->Peek();
    if (label.kind != Tok::kIdent) return ts->Unexpected(label, "IDENTIFIER");
    out->label = ts->Next().text;
    RETURN_IF_ERROR_(ts->Expect(Tok::kRParen));
  } else if (ts->Peek(1).kind == Tok::kLParen) {
    return ts->ErrorAt(t, "unsupported unwrap conversion " + t.text +
                              "; use duration, duration_seconds or bytes");
  } else {
    out->label = ts->Next().text;
  }
  while (ts->Peek().kind == Tok::kPipe) {
    ts->Next();
    auto f = ParseLabelFilterOr(ts);
    if (!f.ok()) return f.status();
    out->post_filters.push_back(*std::move(f));
  }
  return absl::OkStatus();
}

}  // namespace silt::query
