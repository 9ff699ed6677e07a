#include "query/internal/parser.h"

#include <cstdlib>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "common/time_util.h"
#include "query/internal/lexer.h"

// RETURN_IF_ERROR for functions returning StatusOr (common/status.h's works
// too; this one keeps the parser free of its shadowing warnings).
#define RETURN_IF_ERROR_(expr) \
  do {                         \
    absl::Status _st = (expr); \
    if (!_st.ok()) return _st; \
  } while (0)

namespace silt::query {
namespace {

constexpr const char* kEmptyCompatible =
    "queries require at least one regexp or equality matcher that does not "
    "have an empty-compatible value. For instance, app=~\".*\" does not meet "
    "this requirement, but app=~\".+\" will";

struct BinaryOpInfo {
  BinaryOp op;
  int precedence;
  bool right_assoc;
};

class Parser {
 public:
  explicit Parser(std::vector<Token> toks) : toks_(std::move(toks)) {}

  absl::StatusOr<std::unique_ptr<Expr>> ParseQuery() {
    auto e = ParseBinary(1);
    if (!e.ok()) return e.status();
    if (Peek().kind != Tok::kEnd) return Unexpected(Peek());
    return e;
  }

  absl::StatusOr<std::unique_ptr<LogExpr>> ParseSelectorOnly() {
    if (Peek().kind != Tok::kLBrace) return Unexpected(Peek(), "{");
    auto e = ParseLog();
    if (!e.ok()) return e.status();
    if (Peek().kind != Tok::kEnd) return Unexpected(Peek());
    return e;
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    size_t i = std::min(pos_ + ahead, toks_.size() - 1);
    return toks_[i];
  }
  const Token& Next() {
    const Token& t = toks_[pos_];
    if (pos_ + 1 < toks_.size()) ++pos_;
    return t;
  }
  static std::string Lower(const std::string& s) {
    return absl::AsciiStrToLower(s);
  }
  bool PeekKeyword(const char* kw, size_t ahead = 0) const {
    const Token& t = Peek(ahead);
    return t.kind == Tok::kIdent && Lower(t.text) == kw;
  }

  absl::Status Unexpected(const Token& t, std::string_view expecting = "") {
    std::string what = TokName(t.kind);
    std::string msg = "syntax error: unexpected " + what;
    if (!expecting.empty()) msg += ", expecting " + std::string(expecting);
    return ErrorAt(t, msg);
  }
  static absl::Status ErrorAt(const Token& t, std::string_view msg) {
    return absl::InvalidArgumentError(ParseErrorAt(t.line, t.col, msg));
  }
  absl::Status Expect(Tok kind) {
    if (Peek().kind != kind) return Unexpected(Peek(), TokName(kind));
    Next();
    return absl::OkStatus();
  }

  std::optional<BinaryOpInfo> PeekBinaryOp() const {
    const Token& t = Peek();
    switch (t.kind) {
      case Tok::kCmpEq:
        return BinaryOpInfo{BinaryOp::kEq, 3, false};
      case Tok::kNeq:
        return BinaryOpInfo{BinaryOp::kNe, 3, false};
      case Tok::kGt:
        return BinaryOpInfo{BinaryOp::kGt, 3, false};
      case Tok::kGe:
        return BinaryOpInfo{BinaryOp::kGe, 3, false};
      case Tok::kLt:
        return BinaryOpInfo{BinaryOp::kLt, 3, false};
      case Tok::kLe:
        return BinaryOpInfo{BinaryOp::kLe, 3, false};
      case Tok::kAdd:
        return BinaryOpInfo{BinaryOp::kAdd, 4, false};
      case Tok::kSub:
        return BinaryOpInfo{BinaryOp::kSub, 4, false};
      case Tok::kMul:
        return BinaryOpInfo{BinaryOp::kMul, 5, false};
      case Tok::kDiv:
        return BinaryOpInfo{BinaryOp::kDiv, 5, false};
      case Tok::kMod:
        return BinaryOpInfo{BinaryOp::kMod, 5, false};
      case Tok::kPow:
        return BinaryOpInfo{BinaryOp::kPow, 6, true};
      case Tok::kIdent: {
        std::string kw = Lower(t.text);
        if (kw == "or") return BinaryOpInfo{BinaryOp::kOr, 1, false};
        if (kw == "and") return BinaryOpInfo{BinaryOp::kAnd, 2, false};
        if (kw == "unless") return BinaryOpInfo{BinaryOp::kUnless, 2, false};
        return std::nullopt;
      }
      default:
        return std::nullopt;
    }
  }

  absl::StatusOr<std::unique_ptr<Expr>> ParseBinary(int min_prec) {
    auto lhs = ParseUnary();
    if (!lhs.ok()) return lhs.status();
    while (true) {
      auto info = PeekBinaryOp();
      if (!info || info->precedence < min_prec) break;
      const Token op_tok = Next();
      auto bin = std::make_unique<BinaryExpr>();
      bin->op = info->op;
      if (PeekKeyword("bool")) {
        if (!IsComparison(info->op)) {
          return ErrorAt(
              Peek(), "bool modifier can only be used on comparison operators");
        }
        Next();
        bin->return_bool = true;
      }
      auto rhs = ParseBinary(info->right_assoc ? info->precedence
                                               : info->precedence + 1);
      if (!rhs.ok()) return rhs.status();
      if ((*lhs)->kind == Expr::Kind::kLog) {
        return ErrorAt(
            op_tok, "unexpected type for left leg of binary operation (" +
                        std::string(BinaryOpName(info->op)) + "): log query");
      }
      if ((*rhs)->kind == Expr::Kind::kLog) {
        return ErrorAt(
            op_tok, "unexpected type for right leg of binary operation (" +
                        std::string(BinaryOpName(info->op)) + "): log query");
      }
      bin->lhs = *std::move(lhs);
      bin->rhs = *std::move(rhs);
      lhs = std::unique_ptr<Expr>(std::move(bin));
    }
    return lhs;
  }

  absl::StatusOr<std::unique_ptr<Expr>> ParseUnary() {
    if (Peek().kind == Tok::kSub || Peek().kind == Tok::kAdd) {
      bool negate = Next().kind == Tok::kSub;
      auto inner = ParseUnary();
      if (!inner.ok()) return inner.status();
      if (!negate) return inner;
      if ((*inner)->kind == Expr::Kind::kLiteral) {
        auto* lit = static_cast<LiteralExpr*>(inner->get());
        lit->value = -lit->value;
        return inner;
      }
      auto bin = std::make_unique<BinaryExpr>();
      bin->op = BinaryOp::kMul;
      auto minus_one = std::make_unique<LiteralExpr>();
      minus_one->value = -1;
      bin->lhs = std::move(minus_one);
      bin->rhs = *std::move(inner);
      return std::unique_ptr<Expr>(std::move(bin));
    }
    return ParsePrimary();
  }

  absl::StatusOr<std::unique_ptr<Expr>> ParsePrimary() {
    const Token& t = Peek();
    switch (t.kind) {
      case Tok::kLBrace: {
        auto log = ParseLog();
        if (!log.ok()) return log.status();
        if (Peek().kind == Tok::kRange) return Unexpected(Peek());
        return std::unique_ptr<Expr>(*std::move(log));
      }
      case Tok::kLParen: {
        Next();
        auto e = ParseBinary(1);
        if (!e.ok()) return e.status();
        RETURN_IF_ERROR_(Expect(Tok::kRParen));
        return e;
      }
      case Tok::kNumber: {
        auto lit = std::make_unique<LiteralExpr>();
        auto v = ParseNumber(Next());
        if (!v.ok()) return v.status();
        lit->value = *v;
        return std::unique_ptr<Expr>(std::move(lit));
      }
      case Tok::kIdent:
        return ParseFunction();
      default:
        return Unexpected(t);
    }
  }

  absl::StatusOr<double> ParseNumber(const Token& t) {
    const char* begin = t.text.c_str();
    char* end = nullptr;
    double v = std::strtod(begin, &end);
    if (end != begin + t.text.size()) {
      return ErrorAt(t, "syntax error: invalid number " + t.text);
    }
    return v;
  }

  absl::StatusOr<std::unique_ptr<Expr>> ParseFunction() {
    const Token& name_tok = Peek();
    std::string name = Lower(name_tok.text);
    static constexpr struct {
      const char* name;
      RangeOp op;
    } kRangeOps[] = {{"count_over_time", RangeOp::kCountOverTime},
                     {"rate", RangeOp::kRate},
                     {"bytes_over_time", RangeOp::kBytesOverTime},
                     {"bytes_rate", RangeOp::kBytesRate}};
    for (const auto& r : kRangeOps) {
      if (name == r.name) {
        Next();
        return ParseRangeAgg(r.op);
      }
    }
    static constexpr struct {
      const char* name;
      VectorOp op;
    } kVectorOps[] = {{"sum", VectorOp::kSum},        {"avg", VectorOp::kAvg},
                      {"min", VectorOp::kMin},        {"max", VectorOp::kMax},
                      {"count", VectorOp::kCount},    {"topk", VectorOp::kTopK},
                      {"bottomk", VectorOp::kBottomK}};
    for (const auto& v : kVectorOps) {
      if (name == v.name) {
        Next();
        return ParseVectorAgg(v.op);
      }
    }
    if (name == "vector") {
      Next();
      RETURN_IF_ERROR_(Expect(Tok::kLParen));
      bool negate = false;
      if (Peek().kind == Tok::kSub) {
        Next();
        negate = true;
      }
      if (Peek().kind != Tok::kNumber) return Unexpected(Peek(), "NUMBER");
      auto v = ParseNumber(Next());
      if (!v.ok()) return v.status();
      RETURN_IF_ERROR_(Expect(Tok::kRParen));
      auto e = std::make_unique<VectorExpr>();
      e->value = negate ? -*v : *v;
      return std::unique_ptr<Expr>(std::move(e));
    }
    return Unexpected(name_tok);
  }

  // op ( log-range ) where log-range is `{..} pipeline [r]` or
  // `{..} [r] pipeline`, optionally parenthesised, then `offset d`.
  absl::StatusOr<std::unique_ptr<Expr>> ParseRangeAgg(RangeOp op) {
    RETURN_IF_ERROR_(Expect(Tok::kLParen));
    auto e = std::make_unique<RangeAggExpr>();
    e->op = op;
    int parens = 0;
    while (Peek().kind == Tok::kLParen) {
      Next();
      ++parens;
    }
    if (Peek().kind != Tok::kLBrace) return Unexpected(Peek(), "{");
    auto log = ParseLog();
    if (!log.ok()) return log.status();
    e->log = *std::move(log);
    if (Peek().kind != Tok::kRange) return Unexpected(Peek(), "RANGE");
    const Token& range_tok = Next();
    auto range = ParseDuration(range_tok.text);
    if (!range.ok() || *range <= 0) {
      return ErrorAt(range_tok,
                     "syntax error: invalid range [" + range_tok.text + "]");
    }
    e->range_ns = *range;
    RETURN_IF_ERROR_(ParsePipeline(&e->log->pipeline));
    if (PeekKeyword("offset")) {
      Next();
      const Token& d = Next();
      auto off = d.kind == Tok::kDuration ? ParseDuration(d.text)
                                          : absl::StatusOr<int64_t>(0);
      if (d.kind != Tok::kDuration || !off.ok()) {
        return Unexpected(d, "DURATION");
      }
      e->offset_ns = *off;
    }
    for (; parens > 0; --parens) RETURN_IF_ERROR_(Expect(Tok::kRParen));
    RETURN_IF_ERROR_(Expect(Tok::kRParen));
    return std::unique_ptr<Expr>(std::move(e));
  }

  absl::Status ParseGrouping(Grouping* g) {
    g->present = true;
    g->without = Lower(Next().text) == "without";
    RETURN_IF_ERROR_(Expect(Tok::kLParen));
    while (Peek().kind != Tok::kRParen) {
      if (Peek().kind != Tok::kIdent) return Unexpected(Peek(), "IDENTIFIER");
      g->labels.push_back(Next().text);
      if (Peek().kind == Tok::kComma) {
        Next();
      } else if (Peek().kind != Tok::kRParen) {
        return Unexpected(Peek(), ", or )");
      }
    }
    Next();
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<Expr>> ParseVectorAgg(VectorOp op) {
    auto e = std::make_unique<VectorAggExpr>();
    e->op = op;
    if (PeekKeyword("by") || PeekKeyword("without")) {
      RETURN_IF_ERROR_(ParseGrouping(&e->grouping));
    }
    const Token& open = Peek();
    RETURN_IF_ERROR_(Expect(Tok::kLParen));
    if (op == VectorOp::kTopK || op == VectorOp::kBottomK) {
      if (Peek().kind != Tok::kNumber) return Unexpected(Peek(), "NUMBER");
      auto k = ParseNumber(Next());
      if (!k.ok()) return k.status();
      e->param = *k;
      RETURN_IF_ERROR_(Expect(Tok::kComma));
    }
    auto inner = ParseBinary(1);
    if (!inner.ok()) return inner.status();
    if ((*inner)->kind == Expr::Kind::kLog) {
      return ErrorAt(open, "syntax error: unexpected log query, " +
                               std::string(VectorOpName(op)) +
                               " expects a metric query");
    }
    e->inner = *std::move(inner);
    RETURN_IF_ERROR_(Expect(Tok::kRParen));
    if (!e->grouping.present && (PeekKeyword("by") || PeekKeyword("without"))) {
      RETURN_IF_ERROR_(ParseGrouping(&e->grouping));
    }
    return std::unique_ptr<Expr>(std::move(e));
  }

  absl::StatusOr<std::unique_ptr<LogExpr>> ParseLog() {
    auto e = std::make_unique<LogExpr>();
    const Token& open = Next();  // {
    while (true) {
      const Token& name = Peek();
      if (name.kind != Tok::kIdent) return Unexpected(name, "IDENTIFIER");
      Next();
      const Token& op_tok = Peek();
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
          return Unexpected(op_tok, "= or != or =~ or !~");
      }
      Next();
      const Token& value = Peek();
      if (value.kind != Tok::kString) return Unexpected(value, "STRING");
      Next();
      auto m = index::Matcher::Create(name.text, op, value.text);
      if (!m.ok()) return ErrorAt(value, std::string(m.status().message()));
      e->matchers.push_back(*std::move(m));
      if (Peek().kind == Tok::kComma) {
        Next();
        continue;
      }
      if (Peek().kind == Tok::kRBrace) {
        Next();
        break;
      }
      return Unexpected(Peek(), ", or }");
    }
    bool selective = false;
    for (const auto& m : e->matchers) selective |= !m.MatchesEmpty();
    if (!selective) {
      (void)open;
      return absl::InvalidArgumentError(ParseErrorAt(0, 0, kEmptyCompatible));
    }
    RETURN_IF_ERROR_(ParsePipeline(&e->pipeline));
    return e;
  }

  // | drop a, b  (conditional drops like a="x" are not supported yet)
  absl::Status ParseDrop(std::vector<PipelineStage>* stages) {
    PipelineStage s;
    s.kind = PipelineStage::Kind::kDrop;
    while (true) {
      if (Peek().kind != Tok::kIdent) return Unexpected(Peek(), "IDENTIFIER");
      s.drop_labels.push_back(Next().text);
      if (Peek().kind != Tok::kComma) break;
      Next();
    }
    if (Peek().kind == Tok::kEq || Peek().kind == Tok::kNeq ||
        Peek().kind == Tok::kRe || Peek().kind == Tok::kNre) {
      return ErrorAt(Peek(), "drop with a label matcher is not supported yet");
    }
    stages->push_back(std::move(s));
    return absl::OkStatus();
  }

  absl::Status ParsePipeline(std::vector<PipelineStage>* stages) {
    while (true) {
      const Token& t = Peek();
      LineFilterOp op;
      switch (t.kind) {
        case Tok::kPipeExact:
          op = LineFilterOp::kContains;
          break;
        case Tok::kNeq:
          op = LineFilterOp::kNotContains;
          break;
        case Tok::kPipeMatch:
          op = LineFilterOp::kRegex;
          break;
        case Tok::kNre:
          op = LineFilterOp::kNotRegex;
          break;
        case Tok::kPipe: {
          const Token& stage = Peek(1);
          if (stage.kind == Tok::kIdent && Lower(stage.text) == "drop") {
            Next();
            Next();
            RETURN_IF_ERROR_(ParseDrop(stages));
            continue;
          }
          if (stage.kind == Tok::kIdent) {
            return ErrorAt(stage, "pipeline stage | " + stage.text +
                                      " is not supported yet");
          }
          return Unexpected(stage, "IDENTIFIER");
        }
        default:
          return absl::OkStatus();
      }
      Next();
      const Token& value = Peek();
      if (value.kind != Tok::kString) return Unexpected(value, "STRING");
      Next();
      PipelineStage s;
      s.kind = PipelineStage::Kind::kLineFilter;
      s.line_filter.op = op;
      s.line_filter.value = value.text;
      if (op == LineFilterOp::kRegex || op == LineFilterOp::kNotRegex) {
        auto re = Regex::Compile(value.text, Regex::Mode::kSearch);
        if (!re.ok()) return ErrorAt(value, std::string(re.status().message()));
        s.line_filter.regex = std::shared_ptr<const Regex>(*std::move(re));
      }
      stages->push_back(std::move(s));
    }
  }

  std::vector<Token> toks_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Expr>> ParseExpr(std::string_view query) {
  auto toks = Lex(query);
  if (!toks.ok()) return toks.status();
  return Parser(*std::move(toks)).ParseQuery();
}

absl::StatusOr<std::unique_ptr<LogExpr>> ParseLogSelector(
    std::string_view query) {
  auto toks = Lex(query);
  if (!toks.ok()) return toks.status();
  return Parser(*std::move(toks)).ParseSelectorOnly();
}

}  // namespace silt::query
