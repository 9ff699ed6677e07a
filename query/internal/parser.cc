#include "query/internal/parser.h"

#include <cstdlib>
#include <optional>
#include <utility>

#include "common/time_util.h"
#include "query/internal/lexer.h"
#include "query/internal/parse_pipeline.h"
#include "query/internal/token_stream.h"

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
  explicit Parser(std::vector<Token> toks) : ts_(std::move(toks)) {}

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
  const Token& Peek(size_t ahead = 0) const { return ts_.Peek(ahead); }
  const Token& Next() { return ts_.Next(); }
  static std::string Lower(const std::string& s) {
    return TokenStream::Lower(s);
  }
  bool PeekKeyword(const char* kw, size_t ahead = 0) const {
    return ts_.PeekKeyword(kw, ahead);
  }
  absl::Status Unexpected(const Token& t, std::string_view expecting = "") {
    return ts_.Unexpected(t, expecting);
  }
  static absl::Status ErrorAt(const Token& t, std::string_view msg) {
    return TokenStream::ErrorAt(t, msg);
  }
  absl::Status Expect(Tok kind) { return ts_.Expect(kind); }

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

  // ( label, ... ) possibly empty.
  absl::Status ParseLabelList(std::vector<std::string>* out) {
    RETURN_IF_ERROR_(Expect(Tok::kLParen));
    while (Peek().kind != Tok::kRParen) {
      if (Peek().kind != Tok::kIdent) return Unexpected(Peek(), "IDENTIFIER");
      out->push_back(Next().text);
      if (Peek().kind == Tok::kComma) {
        Next();
      } else if (Peek().kind != Tok::kRParen) {
        return Unexpected(Peek(), ", or )");
      }
    }
    Next();
    return absl::OkStatus();
  }

  // bool, on(...)/ignoring(...), group_left(...)/group_right(...).
  absl::Status ParseBinaryModifiers(BinaryExpr* bin) {
    if (PeekKeyword("bool")) {
      if (!IsComparison(bin->op)) {
        return ErrorAt(
            Peek(), "bool modifier can only be used on comparison operators");
      }
      Next();
      bin->return_bool = true;
    }
    if (PeekKeyword("on") || PeekKeyword("ignoring")) {
      bin->matching.written = true;
      bin->matching.on = Lower(Next().text) == "on";
      RETURN_IF_ERROR_(ParseLabelList(&bin->matching.labels));
      if (PeekKeyword("group_left") || PeekKeyword("group_right")) {
        const Token& g = Next();
        if (IsSetOp(bin->op)) {
          return ErrorAt(g, std::string("no grouping allowed for \"") +
                                BinaryOpName(bin->op) + "\" operation");
        }
        bin->matching.card = Lower(g.text) == "group_left"
                                 ? VectorMatching::Card::kManyToOne
                                 : VectorMatching::Card::kOneToMany;
        if (Peek().kind == Tok::kLParen) {
          RETURN_IF_ERROR_(ParseLabelList(&bin->matching.include));
        }
      }
    } else if (PeekKeyword("group_left") || PeekKeyword("group_right")) {
      return ErrorAt(Peek(), "syntax error: " + Peek().text +
                                 " needs on(...) or ignoring(...) first");
    }
    return absl::OkStatus();
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
      RETURN_IF_ERROR_(ParseBinaryModifiers(bin.get()));
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
        if (AtUnwrap(ts_)) {
          return ErrorAt(Peek(1),
                         "unwrap is only allowed in a range "
                         "aggregation such as sum_over_time");
        }
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
    for (int i = 0; i <= static_cast<int>(RangeOp::kAbsentOverTime); ++i) {
      RangeOp op = static_cast<RangeOp>(i);
      if (name == RangeOpName(op)) {
        const Token& fn = Next();
        return ParseRangeAgg(op, fn);
      }
    }
    for (int i = 0; i <= static_cast<int>(VectorOp::kSortDesc); ++i) {
      VectorOp op = static_cast<VectorOp>(i);
      if (name == VectorOpName(op)) {
        Next();
        return ParseVectorAgg(op);
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
    if (name == "label_replace" || name == "rate_counter" ||
        name == "approx_topk") {
      return ErrorAt(name_tok, name + " is not supported");
    }
    return Unexpected(name_tok);
  }

  // op ( [phi,] log-range ) [by|without (...)] where log-range is a
  // selector, a pipeline, an optional unwrap and a range, in Loki's
  // orders (range after the selector or after the pipeline), optionally
  // parenthesised, with an optional `offset d` after the range.
  absl::StatusOr<std::unique_ptr<Expr>> ParseRangeAgg(RangeOp op,
                                                      const Token& fn) {
    RETURN_IF_ERROR_(Expect(Tok::kLParen));
    auto e = std::make_unique<RangeAggExpr>();
    e->op = op;
    if (op == RangeOp::kQuantileOverTime) {
      if (Peek().kind != Tok::kNumber) return Unexpected(Peek(), "NUMBER");
      auto phi = ParseNumber(Next());
      if (!phi.ok()) return phi.status();
      e->param = *phi;
      RETURN_IF_ERROR_(Expect(Tok::kComma));
    }
    int parens = 0;
    while (Peek().kind == Tok::kLParen) {
      Next();
      ++parens;
    }
    if (Peek().kind != Tok::kLBrace) return Unexpected(Peek(), "{");
    auto log = ParseLog();
    if (!log.ok()) return log.status();
    e->log = *std::move(log);
    auto unwrap = [&]() -> absl::Status {
      if (!AtUnwrap(ts_)) return absl::OkStatus();
      if (e->unwrap) return ErrorAt(Peek(1), "syntax error: a second unwrap");
      Unwrap u;
      RETURN_IF_ERROR_(ParseUnwrap(&ts_, &u));
      e->unwrap = std::move(u);
      return absl::OkStatus();
    };
    RETURN_IF_ERROR_(unwrap());
    while (parens > 0 && Peek().kind == Tok::kRParen) {
      Next();
      --parens;
    }
    if (Peek().kind != Tok::kRange) return Unexpected(Peek(), "RANGE");
    const Token& range_tok = Next();
    auto range = ParseDuration(range_tok.text);
    if (!range.ok() || *range <= 0) {
      return ErrorAt(range_tok,
                     "syntax error: invalid range [" + range_tok.text + "]");
    }
    e->range_ns = *range;
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
    RETURN_IF_ERROR_(ParsePipeline(&ts_, &e->log->pipeline));
    RETURN_IF_ERROR_(unwrap());
    for (; parens > 0; --parens) RETURN_IF_ERROR_(Expect(Tok::kRParen));
    RETURN_IF_ERROR_(Expect(Tok::kRParen));
    if (PeekKeyword("by") || PeekKeyword("without")) {
      const Token& g = Peek();
      RETURN_IF_ERROR_(ParseGrouping(&e->grouping));
      if (!e->unwrap && op != RangeOp::kAbsentOverTime) {
        return ErrorAt(g, std::string("grouping not allowed for ") +
                              RangeOpName(op) + " aggregation");
      }
    }
    if (NeedsUnwrap(op) && !e->unwrap) {
      return ErrorAt(fn, std::string("invalid aggregation ") + RangeOpName(op) +
                             " without unwrap");
    }
    if (e->unwrap && !AllowsUnwrap(op)) {
      return ErrorAt(fn, std::string("invalid aggregation ") + RangeOpName(op) +
                             " with unwrap");
    }
    return std::unique_ptr<Expr>(std::move(e));
  }

  absl::Status ParseGrouping(Grouping* g) {
    g->present = true;
    g->without = Lower(Next().text) == "without";
    return ParseLabelList(&g->labels);
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
    Next();  // {
    while (true) {
      auto m = ParseMatcher(&ts_);
      if (!m.ok()) return m.status();
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
      return absl::InvalidArgumentError(ParseErrorAt(0, 0, kEmptyCompatible));
    }
    RETURN_IF_ERROR_(ParsePipeline(&ts_, &e->pipeline));
    return e;
  }

  TokenStream ts_;
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
