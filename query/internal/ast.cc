#include "query/internal/ast.h"

#include <cstdio>

#include "common/labels.h"

namespace silt::query {
namespace {

std::string Quote(const std::string& s) {
  // LabelsToString escapes a value the way LogQL spells a string.
  std::string q = LabelsToString({{"x", s}});
  return q.substr(3, q.size() - 4);
}

std::string Number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

std::string Duration(int64_t ns) {
  static constexpr struct {
    int64_t ns;
    const char* unit;
  } kUnits[] = {{86400'000'000'000, "d"},
                {3600'000'000'000, "h"},
                {60'000'000'000, "m"},
                {1'000'000'000, "s"},
                {1'000'000, "ms"},
                {1'000, "us"},
                {1, "ns"}};
  if (ns == 0) return "0s";
  for (const auto& u : kUnits) {
    if (ns % u.ns == 0) return std::to_string(ns / u.ns) + u.unit;
  }
  return std::to_string(ns) + "ns";
}

}  // namespace

std::string PipelineStage::ToString() const {
  if (kind == Kind::kDrop) {
    std::string out = "| drop ";
    for (size_t i = 0; i < drop_labels.size(); ++i) {
      if (i > 0) out += ", ";
      out += drop_labels[i];
    }
    return out;
  }
  static constexpr const char* kOps[] = {"|=", "!=", "|~", "!~"};
  return std::string(kOps[static_cast<int>(line_filter.op)]) + " " +
         Quote(line_filter.value);
}

std::string LogExpr::ToString() const {
  std::string out = "{";
  for (size_t i = 0; i < matchers.size(); ++i) {
    if (i > 0) out += ", ";
    out += matchers[i].ToString();
  }
  out += "}";
  for (const auto& s : pipeline) out += " " + s.ToString();
  return out;
}

std::string RangeAggExpr::ToString() const {
  std::string out = std::string(RangeOpName(op)) + "(" + log->ToString() +
                    " [" + Duration(range_ns) + "]";
  if (offset_ns != 0) out += " offset " + Duration(offset_ns);
  return out + ")";
}

std::string VectorAggExpr::ToString() const {
  std::string out = VectorOpName(op);
  if (grouping.present) {
    out += grouping.without ? " without (" : " by (";
    for (size_t i = 0; i < grouping.labels.size(); ++i) {
      if (i > 0) out += ", ";
      out += grouping.labels[i];
    }
    out += ")";
  }
  out += "(";
  if (op == VectorOp::kTopK || op == VectorOp::kBottomK) {
    out += Number(param) + ", ";
  }
  return out + inner->ToString() + ")";
}

std::string BinaryExpr::ToString() const {
  return "(" + lhs->ToString() + " " + BinaryOpName(op) +
         (return_bool ? " bool " : " ") + rhs->ToString() + ")";
}

std::string LiteralExpr::ToString() const { return Number(value); }

std::string VectorExpr::ToString() const {
  return "vector(" + Number(value) + ")";
}

const char* RangeOpName(RangeOp op) {
  switch (op) {
    case RangeOp::kCountOverTime:
      return "count_over_time";
    case RangeOp::kRate:
      return "rate";
    case RangeOp::kBytesOverTime:
      return "bytes_over_time";
    case RangeOp::kBytesRate:
      return "bytes_rate";
  }
  return "?";
}

const char* VectorOpName(VectorOp op) {
  switch (op) {
    case VectorOp::kSum:
      return "sum";
    case VectorOp::kAvg:
      return "avg";
    case VectorOp::kMin:
      return "min";
    case VectorOp::kMax:
      return "max";
    case VectorOp::kCount:
      return "count";
    case VectorOp::kTopK:
      return "topk";
    case VectorOp::kBottomK:
      return "bottomk";
  }
  return "?";
}

const char* BinaryOpName(BinaryOp op) {
  static constexpr const char* kNames[] = {
      "or", "and", "unless", "==", "!=", ">", ">=", "<",
      "<=", "+",   "-",      "*",  "/",  "%", "^"};
  return kNames[static_cast<int>(op)];
}

bool IsComparison(BinaryOp op) {
  return op >= BinaryOp::kEq && op <= BinaryOp::kLe;
}
bool IsSetOp(BinaryOp op) { return op <= BinaryOp::kUnless; }

}  // namespace silt::query
