#include "query/internal/label_filter_eval.h"

#include <cmath>

#include "query/internal/units.h"

namespace silt::query {
namespace {

bool Compare(CmpOp op, double a, double b) {
  switch (op) {
    case CmpOp::kEq:
      return a == b;
    case CmpOp::kNe:
      return a != b;
    case CmpOp::kGt:
      return a > b;
    case CmpOp::kGe:
      return a >= b;
    case CmpOp::kLt:
      return a < b;
    case CmpOp::kLe:
      return a <= b;
  }
  return false;
}

}  // namespace

bool EvalLabelFilter(const LabelFilter& f, LabelBuilder* b) {
  switch (f.kind) {
    case LabelFilter::Kind::kAnd:
      return EvalLabelFilter(*f.lhs, b) && EvalLabelFilter(*f.rhs, b);
    case LabelFilter::Kind::kOr:
      return EvalLabelFilter(*f.lhs, b) || EvalLabelFilter(*f.rhs, b);
    case LabelFilter::Kind::kString: {
      const std::string* v = b->Get(f.matcher->name());
      return f.matcher->Matches(v ? std::string_view(*v) : std::string_view());
    }
    case LabelFilter::Kind::kNumber:
    case LabelFilter::Kind::kDuration:
    case LabelFilter::Kind::kBytes: {
      // An entry that already failed a stage is kept as it is, so the
      // error reaches the answer (Loki skips filters on errored entries).
      if (b->HasError()) return true;
      const std::string* v = b->Get(f.name);
      if (v == nullptr) return false;
      std::optional<double> x;
      if (f.kind == LabelFilter::Kind::kNumber) {
        x = ParseFloat(*v);
      } else if (f.kind == LabelFilter::Kind::kDuration) {
        x = ParseGoDurationSeconds(*v);
      } else {
        x = ParseHumanBytes(*v);
      }
      if (!x) {
        b->SetError(kLabelFilterErr, "cannot convert '" + *v +
                                         "' for label filter " + f.ToString());
        return true;
      }
      return Compare(f.cmp, *x, f.number);
    }
  }
  return false;
}

}  // namespace silt::query
