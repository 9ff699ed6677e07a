// Binary operations between scalars and vectors, with Prometheus' vector
// matching (on/ignoring, group_left/group_right) evaluated per step.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "query/internal/metric_eval.h"

namespace silt::query {
namespace {

// Arithmetic or comparison on two values. For a comparison without `bool`,
// `keep` says whether the left value survives.
double Apply(BinaryOp op, double a, double b, bool* keep) {
  *keep = true;
  switch (op) {
    case BinaryOp::kAdd:
      return a + b;
    case BinaryOp::kSub:
      return a - b;
    case BinaryOp::kMul:
      return a * b;
    case BinaryOp::kDiv:
      return a / b;
    case BinaryOp::kMod:
      return std::fmod(a, b);
    case BinaryOp::kPow:
      return std::pow(a, b);
    case BinaryOp::kEq:
      *keep = a == b;
      break;
    case BinaryOp::kNe:
      *keep = a != b;
      break;
    case BinaryOp::kGt:
      *keep = a > b;
      break;
    case BinaryOp::kGe:
      *keep = a >= b;
      break;
    case BinaryOp::kLt:
      *keep = a < b;
      break;
    case BinaryOp::kLe:
      *keep = a <= b;
      break;
    default:
      break;
  }
  return a;
}

// The value a binary node yields for (a, b), or nullopt when a comparison
// filters it out. `vector_value` is what a filter passes through.
std::optional<double> Binop(const BinaryExpr& e, double a, double b,
                            double vector_value) {
  bool keep;
  double v = Apply(e.op, a, b, &keep);
  if (!IsComparison(e.op)) return v;
  if (e.return_bool) return keep ? 1.0 : 0.0;
  if (!keep) return std::nullopt;
  return vector_value;
}

Labels Signature(const Labels& labels, const VectorMatching& m) {
  Labels out;
  for (const auto& l : labels) {
    bool listed =
        std::find(m.labels.begin(), m.labels.end(), l.first) != m.labels.end();
    if (listed == m.on) out.push_back(l);
  }
  return out;
}

Labels ResultLabels(const Labels& many, const Labels& one,
                    const VectorMatching& m) {
  if (m.card == VectorMatching::Card::kOneToOne) {
    if (!m.written) return many;
    return Signature(many, m);
  }
  Labels out = many;
  for (const std::string& name : m.include) {
    out.erase(std::remove_if(out.begin(), out.end(),
                             [&](const Label& l) { return l.first == name; }),
              out.end());
    if (const std::string* v = FindLabel(one, name)) out.emplace_back(name, *v);
  }
  Canonicalize(&out);
  return out;
}

struct StepSample {
  const Labels* labels;
  double value;
};
using ByStep = std::map<int64_t, std::vector<StepSample>>;

ByStep GroupBySteps(const MetricResult& r) {
  ByStep out;
  for (const Series& s : r.series) {
    for (const Sample& x : s.samples)
      out[x.ts_ns].push_back({&s.labels, x.value});
  }
  return out;
}

void Emit(std::map<Labels, Series>* out, const Labels& labels, int64_t ts,
          double v) {
  Series& s = (*out)[labels];
  s.labels = labels;
  s.samples.push_back({ts, v});
}

absl::Status SetOp(const BinaryExpr& e, const MetricResult& lhs,
                   const MetricResult& rhs, std::map<Labels, Series>* out) {
  ByStep l = GroupBySteps(lhs), r = GroupBySteps(rhs);
  std::set<int64_t> steps;
  for (const auto& [t, _] : l) steps.insert(t);
  for (const auto& [t, _] : r) steps.insert(t);
  for (int64_t t : steps) {
    std::set<Labels> right_sigs, left_sigs;
    for (const StepSample& s : r[t])
      right_sigs.insert(Signature(*s.labels, e.matching));
    for (const StepSample& s : l[t]) {
      Labels sig = Signature(*s.labels, e.matching);
      left_sigs.insert(sig);
      const bool in_right = right_sigs.count(sig) > 0;
      if (e.op == BinaryOp::kOr || (e.op == BinaryOp::kAnd && in_right) ||
          (e.op == BinaryOp::kUnless && !in_right)) {
        Emit(out, *s.labels, t, s.value);
      }
    }
    if (e.op == BinaryOp::kOr) {
      for (const StepSample& s : r[t]) {
        if (!left_sigs.count(Signature(*s.labels, e.matching))) {
          Emit(out, *s.labels, t, s.value);
        }
      }
    }
  }
  return absl::OkStatus();
}

absl::Status VectorVector(const BinaryExpr& e, const MetricResult& lhs,
                          const MetricResult& rhs,
                          std::map<Labels, Series>* out) {
  const VectorMatching& m = e.matching;
  // group_right: the right side is the "many" side.
  const bool swapped = m.card == VectorMatching::Card::kOneToMany;
  ByStep many = GroupBySteps(swapped ? rhs : lhs);
  ByStep one = GroupBySteps(swapped ? lhs : rhs);
  for (auto& [t, many_samples] : many) {
    auto it = one.find(t);
    if (it == one.end()) continue;
    std::map<Labels, const StepSample*> one_sigs;
    for (const StepSample& s : it->second) {
      Labels sig = Signature(*s.labels, m);
      if (!one_sigs.emplace(sig, &s).second) {
        return absl::InvalidArgumentError(
            "found duplicate series for the match group " +
            LabelsToString(sig) + " on the " + (swapped ? "left" : "right") +
            " hand-side of the operation; many-to-many matching not "
            "allowed: matching labels must be unique on one side");
      }
    }
    std::set<Labels> matched, produced;
    for (const StepSample& s : many_samples) {
      Labels sig = Signature(*s.labels, m);
      auto o = one_sigs.find(sig);
      if (o == one_sigs.end()) continue;
      if (m.card == VectorMatching::Card::kOneToOne &&
          !matched.insert(sig).second) {
        return absl::InvalidArgumentError(
            "multiple matches for labels: many-to-one matching must be "
            "explicit (group_left/group_right)");
      }
      double a = s.value, b = o->second->value;
      if (swapped) std::swap(a, b);
      auto v = Binop(e, a, b, a);
      if (!v) continue;
      Labels labels = ResultLabels(*s.labels, *o->second->labels, m);
      if (m.card != VectorMatching::Card::kOneToOne &&
          !produced.insert(labels).second) {
        return absl::InvalidArgumentError(
            "multiple matches for labels: grouping labels must ensure unique "
            "matches");
      }
      Emit(out, labels, t, *v);
    }
  }
  return absl::OkStatus();
}

// `scalar op vector` or `vector op scalar`.
void ScalarVector(const BinaryExpr& e, const MetricResult& vec,
                  const Series& scalar, bool scalar_left,
                  std::map<Labels, Series>* out) {
  std::map<int64_t, double> sv;
  for (const Sample& x : scalar.samples) sv[x.ts_ns] = x.value;
  for (const Series& s : vec.series) {
    for (const Sample& x : s.samples) {
      auto it = sv.find(x.ts_ns);
      if (it == sv.end()) continue;
      double a = scalar_left ? it->second : x.value;
      double b = scalar_left ? x.value : it->second;
      auto v = Binop(e, a, b, x.value);
      if (v) Emit(out, s.labels, x.ts_ns, *v);
    }
  }
}

}  // namespace

absl::StatusOr<MetricResult> EvalBinary(const BinaryExpr& e, const Steps& steps,
                                        EvalContext* ctx) {
  auto lhs = EvalNode(*e.lhs, steps, ctx);
  if (!lhs.ok()) return lhs.status();
  auto rhs = EvalNode(*e.rhs, steps, ctx);
  if (!rhs.ok()) return rhs.status();
  MetricResult r;
  std::map<Labels, Series> out;
  if (IsSetOp(e.op)) {
    if (lhs->scalar || rhs->scalar) {
      return absl::InvalidArgumentError(
          std::string("set operator \"") + BinaryOpName(e.op) +
          "\" not allowed in binary scalar expression");
    }
    absl::Status st = SetOp(e, *lhs, *rhs, &out);
    if (!st.ok()) return st;
  } else if (lhs->scalar && rhs->scalar) {
    // Scalar comparisons always yield 0/1 (Prometheus requires `bool`).
    r.scalar = true;
    Series s;
    std::map<int64_t, double> rv;
    for (const Sample& x : rhs->series[0].samples) rv[x.ts_ns] = x.value;
    for (const Sample& x : lhs->series[0].samples) {
      auto it = rv.find(x.ts_ns);
      if (it == rv.end()) continue;
      bool keep;
      double v = Apply(e.op, x.value, it->second, &keep);
      s.samples.push_back(
          {x.ts_ns, IsComparison(e.op) ? (keep ? 1.0 : 0.0) : v});
    }
    r.series.push_back(std::move(s));
    return r;
  } else if (lhs->scalar || rhs->scalar) {
    ScalarVector(e, lhs->scalar ? *rhs : *lhs,
                 lhs->scalar ? lhs->series[0] : rhs->series[0], lhs->scalar,
                 &out);
  } else {
    absl::Status st = VectorVector(e, *lhs, *rhs, &out);
    if (!st.ok()) return st;
  }
  for (auto& [labels, s] : out) {
    std::sort(
        s.samples.begin(), s.samples.end(),
        [](const Sample& a, const Sample& b) { return a.ts_ns < b.ts_ns; });
    r.series.push_back(std::move(s));
  }
  return r;
}

}  // namespace silt::query
