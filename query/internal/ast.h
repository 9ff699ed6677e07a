// LogQL syntax tree. Log expressions (selector + pipeline) and metric
// expressions (range aggregations, vector aggregations, binary operations,
// literals). New pipeline stages add a PipelineStage::Kind; new expression
// forms add an Expr::Kind and a subclass. Value types after parsing;
// immutable and shareable across threads once built.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/regex.h"
#include "index/matcher.h"

namespace silt::query {

enum class LineFilterOp { kContains, kNotContains, kRegex, kNotRegex };

struct LineFilterStage {
  LineFilterOp op = LineFilterOp::kContains;
  std::string value;
  // Compiled by the parser for kRegex / kNotRegex (search mode).
  std::shared_ptr<const Regex> regex;
};

// One `| ...` or line-filter step of a log pipeline.
struct PipelineStage {
  enum class Kind {
    kLineFilter,  // |= != |~ !~
    kDrop,        // | drop a, b
  };
  Kind kind = Kind::kLineFilter;
  LineFilterStage line_filter;
  std::vector<std::string> drop_labels;  // kDrop

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

enum class RangeOp { kCountOverTime, kRate, kBytesOverTime, kBytesRate };

struct RangeAggExpr : Expr {
  RangeAggExpr() : Expr(Kind::kRangeAgg) {}
  std::string ToString() const override;

  RangeOp op = RangeOp::kCountOverTime;
  std::unique_ptr<LogExpr> log;
  int64_t range_ns = 0;
  int64_t offset_ns = 0;
};

enum class VectorOp { kSum, kAvg, kMin, kMax, kCount, kTopK, kBottomK };

struct Grouping {
  bool present = false;  // a by/without clause was written
  bool without = false;
  std::vector<std::string> labels;
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

struct BinaryExpr : Expr {
  BinaryExpr() : Expr(Kind::kBinary) {}
  std::string ToString() const override;

  BinaryOp op = BinaryOp::kAdd;
  bool return_bool = false;  // comparison with the `bool` modifier
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
bool IsComparison(BinaryOp op);
bool IsSetOp(BinaryOp op);

}  // namespace silt::query
