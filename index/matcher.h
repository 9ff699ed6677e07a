// A label matcher of a LogQL stream selector: name = != =~ !~ value.
// Regex matchers are anchored (full match), as in Prometheus. Immutable
// after Create(); thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/regex.h"

namespace silt::index {

class Matcher {
 public:
  enum class Op { kEq, kNe, kRe, kNre };
  // kInvalidArgument for a bad regex.
  static absl::StatusOr<Matcher> Create(std::string name, Op op,
                                        std::string value);

  // `value` is the label's value, or "" when the stream lacks the label
  // (Prometheus semantics: a missing label equals "").
  bool Matches(std::string_view value) const;
  // True when "" matches (a selector needs one matcher for which this is
  // false).
  bool MatchesEmpty() const { return Matches(""); }

  const std::string& name() const { return name_; }
  Op op() const { return op_; }
  const std::string& value() const { return value_; }
  std::string ToString() const;  // name="value" with the operator

 private:
  std::string name_;
  Op op_ = Op::kEq;
  std::string value_;
  std::shared_ptr<const Regex> regex_;
};

}  // namespace silt::index
