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

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ", ";
    out += v[i];
  }
  return out;
}

std::string GroupingString(const Grouping& g) {
  if (!g.present) return "";
  return std::string(g.without ? " without (" : " by (") + Join(g.labels) + ")";
}

std::string NamedMatchers(const std::vector<NamedMatcher>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += names[i].matcher ? names[i].matcher->ToString() : names[i].name;
  }
  return out;
}

std::string Extractions(const std::vector<Extraction>& ex) {
  std::string out;
  for (size_t i = 0; i < ex.size(); ++i) {
    out += i == 0 ? " " : ", ";
    out += ex[i].label + "=" + Quote(ex[i].expr);
  }
  return out;
}

}  // namespace

std::string LabelFilter::ToString() const {
  switch (kind) {
    case Kind::kAnd:
      return "(" + lhs->ToString() + " and " + rhs->ToString() + ")";
    case Kind::kOr:
      return "(" + lhs->ToString() + " or " + rhs->ToString() + ")";
    case Kind::kString:
      return matcher->ToString();
    case Kind::kNumber:
    case Kind::kDuration:
    case Kind::kBytes:
      return name + " " + CmpOpName(cmp) + " " + text;
  }
  return "?";
}

std::string PipelineStage::ToString() const {
  switch (kind) {
    case Kind::kLineFilter: {
      static constexpr const char* kOps[] = {"|=", "!=", "|~", "!~"};
      std::string out = kOps[static_cast<int>(line_filter.op)];
      for (size_t i = 0; i < line_filter.values.size(); ++i) {
        out += i == 0 ? " " : " or ";
        out += Quote(line_filter.values[i].value);
      }
      return out;
    }
    case Kind::kJson:
      return "| json" + Extractions(extractions);
    case Kind::kLogfmt: {
      std::string out = "| logfmt";
      if (strict) out += " --strict";
      if (keep_empty) out += " --keep-empty";
      return out + Extractions(extractions);
    }
    case Kind::kLabelFilter:
      return "| " + label_filter->ToString();
    case Kind::kLineFormat:
      return "| line_format " + Quote(text);
    case Kind::kLabelFormat: {
      std::string out = "| label_format ";
      for (size_t i = 0; i < label_formats.size(); ++i) {
        if (i > 0) out += ", ";
        const LabelFormat& f = label_formats[i];
        out += f.dst + "=" + (f.tmpl ? Quote(f.text) : f.src);
      }
      return out;
    }
    case Kind::kDrop:
      return "| drop " + NamedMatchers(names);
    case Kind::kKeep:
      return "| keep " + NamedMatchers(names);
    case Kind::kDecolorize:
      return "| decolorize";
  }
  return "?";
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
  std::string out = std::string(RangeOpName(op)) + "(";
  if (op == RangeOp::kQuantileOverTime) out += Number(param) + ", ";
  out += log->ToString();
  if (unwrap) {
    out += " | unwrap ";
    out += unwrap->conv_name.empty()
               ? unwrap->label
               : unwrap->conv_name + "(" + unwrap->label + ")";
    for (const auto& f : unwrap->post_filters) out += " | " + f->ToString();
  }
  out += " [" + Duration(range_ns) + "]";
  if (offset_ns != 0) out += " offset " + Duration(offset_ns);
  return out + ")" + GroupingString(grouping);
}

std::string VectorAggExpr::ToString() const {
  std::string out = VectorOpName(op) + GroupingString(grouping) + "(";
  if (op == VectorOp::kTopK || op == VectorOp::kBottomK) {
    out += Number(param) + ", ";
  }
  return out + inner->ToString() + ")";
}

std::string BinaryExpr::ToString() const {
  std::string mod = return_bool ? " bool" : "";
  if (matching.written) {
    mod += matching.on ? " on (" : " ignoring (";
    mod += Join(matching.labels) + ")";
  }
  if (matching.card != VectorMatching::Card::kOneToOne) {
    mod += matching.card == VectorMatching::Card::kManyToOne ? " group_left"
                                                             : " group_right";
    if (!matching.include.empty()) mod += " (" + Join(matching.include) + ")";
  }
  return "(" + lhs->ToString() + " " + BinaryOpName(op) + mod + " " +
         rhs->ToString() + ")";
}

std::string LiteralExpr::ToString() const { return Number(value); }

std::string VectorExpr::ToString() const {
  return "vector(" + Number(value) + ")";
}

const char* RangeOpName(RangeOp op) {
  static constexpr const char* kNames[] = {
      "count_over_time",    "rate",
      "bytes_over_time",    "bytes_rate",
      "sum_over_time",      "avg_over_time",
      "max_over_time",      "min_over_time",
      "stdvar_over_time",   "stddev_over_time",
      "quantile_over_time", "first_over_time",
      "last_over_time",     "absent_over_time"};
  return kNames[static_cast<int>(op)];
}

const char* VectorOpName(VectorOp op) {
  static constexpr const char* kNames[] = {
      "sum",    "avg",  "min",     "max",  "count",    "stddev",
      "stdvar", "topk", "bottomk", "sort", "sort_desc"};
  return kNames[static_cast<int>(op)];
}

const char* BinaryOpName(BinaryOp op) {
  static constexpr const char* kNames[] = {
      "or", "and", "unless", "==", "!=", ">", ">=", "<",
      "<=", "+",   "-",      "*",  "/",  "%", "^"};
  return kNames[static_cast<int>(op)];
}

const char* CmpOpName(CmpOp op) {
  static constexpr const char* kNames[] = {"==", "!=", ">", ">=", "<", "<="};
  return kNames[static_cast<int>(op)];
}

bool IsComparison(BinaryOp op) {
  return op >= BinaryOp::kEq && op <= BinaryOp::kLe;
}
bool IsSetOp(BinaryOp op) { return op <= BinaryOp::kUnless; }

bool NeedsUnwrap(RangeOp op) {
  return op >= RangeOp::kSumOverTime && op <= RangeOp::kLastOverTime;
}
bool AllowsUnwrap(RangeOp op) {
  return NeedsUnwrap(op) || op == RangeOp::kRate;
}

}  // namespace silt::query
