// LogQL syntax tree. Log expressions (selector + pipeline) and metric
// expressions (range aggregations, vector aggregations, binary operations,
// literals). New pipeline stages add a PipelineStage::Kind; new expression
// forms add an Expr::Kind and a subclass. Value types after parsing;
// immutable and shareable across threads once built.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/regex.h"
#include "index/matcher.h"

namespace silt::query {

class Template;  // query/internal/template.h

enum class LineFilterOp { kContains, kNotContains, kRegex, kNotRegex };

// One value of a line filter; `|= "a" or "b"` has two.
struct LineFilterValue {
  std::string value;
  // Compiled by the parser for regex filters (search mode).
  std::shared_ptr<const Regex> regex;
};

struct LineFilterStage {
  LineFilterOp op = LineFilterOp::kContains;
  // A positive filter keeps a line matching any value; a negative one a
  // line matching none.
  std::vector<LineFilterValue> values;

  bool Negative() const {
    return op == LineFilterOp::kNotContains || op == LineFilterOp::kNotRegex;
  }
  bool Literal() const {
    return op == LineFilterOp::kContains || op == LineFilterOp::kNotContains;
  }
};

enum class CmpOp { kEq, kNe, kGt, kGe, kLt, kLe };

// A label filter: `a="x"`, `status >= 400`, `d > 1s`, `size < 1KB`, combined
// with and/or.
struct LabelFilter {
  enum class Kind { kAnd, kOr, kString, kNumber, kDuration, kBytes };
  Kind kind = Kind::kString;
  std::shared_ptr<const LabelFilter> lhs, rhs;  // kAnd, kOr
  std::optional<index::Matcher> matcher;        // kString
  std::string name;                             // kNumber/kDuration/kBytes
  CmpOp cmp = CmpOp::kEq;
  double number = 0;  // kNumber: the value; kDuration: seconds; kBytes: bytes
  std::string text;   // the literal as written, for ToString

  std::string ToString() const;
};

// `| json a="b.c[0]"` / `| logfmt a="b"`: a label and where it comes from.
struct Extraction {
  std::string label;
  std::string expr;  // as written
  // Parsed JSON path: keys, or array indexes (index >= 0).
  struct Step {
    std::string key;
    int64_t index = -1;
  };
  std::vector<Step> path;
};

// `| drop a, b="x"` and `| keep ...`: a name, with an optional matcher.
struct NamedMatcher {
  std::string name;
  std::optional<index::Matcher> matcher;
};

// `| label_format dst=src` (rename) or `dst="{{template}}"`.
struct LabelFormat {
  std::string dst;
  std::string src;                       // rename when tmpl is null
  std::shared_ptr<const Template> tmpl;  // template form
  std::string text;                      // template text as written
};

// One `| ...` or line-filter step of a log pipeline.
struct PipelineStage {
  enum class Kind {
    kLineFilter,   // |= != |~ !~
    kJson,         // | json [a="path", ...]
    kLogfmt,       // | logfmt [--strict] [--keep-empty] [a="key", ...]
    kLabelFilter,  // | a="x" and b > 1
    kLineFormat,   // | line_format "{{.a}}"
    kLabelFormat,  // | label_format a=b, c="{{.d}}"
    kDrop,         // | drop a, b="x"
    kKeep,         // | keep a, b="x"
    kDecolorize,   // | decolorize
  };
  Kind kind = Kind::kLineFilter;
  LineFilterStage line_filter;
  std::vector<Extraction> extractions;  // kJson, kLogfmt
  bool strict = false;                  // kLogfmt --strict
  bool keep_empty = false;              // kLogfmt --keep-empty
  std::shared_ptr<const LabelFilter> label_filter;
  std::shared_ptr<const Template> tmpl;  // kLineFormat
  std::string text;                      // kLineFormat template as written
  std::vector<LabelFormat> label_formats;
  std::vector<NamedMatcher> names;  // kDrop, kKeep

  std::string ToString() const;
};

struct Expr {
  enum class Kind {
    kLog,        // {selector} pipeline
    kRangeAgg,   // count_over_time({...}[5m])
    kVectorAgg,  // sum by (x) (...)
    kBinary,     // a + b
    kLiteral,    // 1.5
    kVector,     // vector(1)
  };
  explicit Expr(Kind k) : kind(k) {}
  virtual ~Expr() = default;
  virtual std::string ToString() const = 0;
  // True for expressions that yield samples rather than log lines.
  bool IsMetric() const { return kind != Kind::kLog; }

  const Kind kind;
};

struct LogExpr : Expr {
  LogExpr() : Expr(Kind::kLog) {}
  std::string ToString() const override;

  std::vector<index::Matcher> matchers;
  std::vector<PipelineStage> pipeline;
};

enum class RangeOp {
  kCountOverTime,
  kRate,
  kBytesOverTime,
  kBytesRate,
  kSumOverTime,
  kAvgOverTime,
  kMaxOverTime,
  kMinOverTime,
  kStdvarOverTime,
  kStddevOverTime,
  kQuantileOverTime,
  kFirstOverTime,
  kLastOverTime,
  kAbsentOverTime,
};

// `| unwrap [duration|duration_seconds|bytes](label)` and the label
// filters written after it.
struct Unwrap {
  enum class Conv { kFloat, kDuration, kBytes };
  std::string label;
  Conv conv = Conv::kFloat;
  std::string conv_name;  // as written ("duration_seconds"), for ToString
  std::vector<std::shared_ptr<const LabelFilter>> post_filters;
};

struct Grouping {
  bool present = false;  // a by/without clause was written
  bool without = false;
  std::vector<std::string> labels;
};

struct RangeAggExpr : Expr {
  RangeAggExpr() : Expr(Kind::kRangeAgg) {}
  std::string ToString() const override;

  RangeOp op = RangeOp::kCountOverTime;
  std::unique_ptr<LogExpr> log;
  std::optional<Unwrap> unwrap;
  double param = 0;   // quantile_over_time's phi
  Grouping grouping;  // only with unwrap
  int64_t range_ns = 0;
  int64_t offset_ns = 0;
};

enum class VectorOp {
  kSum,
  kAvg,
  kMin,
  kMax,
  kCount,
  kStddev,
  kStdvar,
  kTopK,
  kBottomK,
  kSort,
  kSortDesc
};

struct VectorAggExpr : Expr {
  VectorAggExpr() : Expr(Kind::kVectorAgg) {}
  std::string ToString() const override;

  VectorOp op = VectorOp::kSum;
  Grouping grouping;
  double param = 0;  // k of topk/bottomk
  std::unique_ptr<Expr> inner;
};

enum class BinaryOp {
  kOr,
  kAnd,
  kUnless,
  kEq,
  kNe,
  kGt,
  kGe,
  kLt,
  kLe,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
};

// Prometheus vector matching: on/ignoring and group_left/group_right.
struct VectorMatching {
  enum class Card { kOneToOne, kManyToOne, kOneToMany };
  bool on = false;       // on(labels); otherwise ignoring(labels)
  bool written = false;  // an on/ignoring clause was written
  std::vector<std::string> labels;
  Card card = Card::kOneToOne;
  std::vector<std::string> include;  // group_left(include)
};

struct BinaryExpr : Expr {
  BinaryExpr() : Expr(Kind::kBinary) {}
  std::string ToString() const override;

  BinaryOp op = BinaryOp::kAdd;
  bool return_bool = false;  // comparison with the `bool` modifier
  VectorMatching matching;
  std::unique_ptr<Expr> lhs, rhs;
};

struct LiteralExpr : Expr {
  LiteralExpr() : Expr(Kind::kLiteral) {}
  std::string ToString() const override;
  double value = 0;
};

struct VectorExpr : Expr {
  VectorExpr() : Expr(Kind::kVector) {}
  std::string ToString() const override;
  double value = 0;
};

const char* RangeOpName(RangeOp op);
const char* VectorOpName(VectorOp op);
const char* BinaryOpName(BinaryOp op);
const char* CmpOpName(CmpOp op);
bool IsComparison(BinaryOp op);
bool IsSetOp(BinaryOp op);
// Range functions that read an unwrapped value (sum_over_time, ...).
bool NeedsUnwrap(RangeOp op);
// Range functions that may read one (rate).
bool AllowsUnwrap(RangeOp op);

}  // namespace silt::query
