#include "index/matcher.h"

#include <utility>

#include "common/labels.h"

namespace silt::index {

absl::StatusOr<Matcher> Matcher::Create(std::string name, Op op,
                                        std::string value) {
  Matcher m;
  m.name_ = std::move(name);
  m.op_ = op;
  m.value_ = std::move(value);
  if (op == Op::kRe || op == Op::kNre) {
    auto re = Regex::Compile(m.value_, Regex::Mode::kFullMatch);
    if (!re.ok()) return re.status();
    m.regex_ = std::shared_ptr<const Regex>(std::move(re).value());
  }
  return m;
}

bool Matcher::Matches(std::string_view value) const {
  switch (op_) {
    case Op::kEq:
      return value == value_;
    case Op::kNe:
      return value != value_;
    case Op::kRe:
      return regex_->Matches(value);
    case Op::kNre:
      return !regex_->Matches(value);
  }
  return false;
}

std::string Matcher::ToString() const {
  static constexpr const char* kOps[] = {"=", "!=", "=~", "!~"};
  // LabelsToString escapes the value the way a selector spells it.
  std::string quoted = LabelsToString({{"x", value_}});
  // quoted is {x="..."}: keep the "..." part.
  return name_ + kOps[static_cast<int>(op_)] +
         quoted.substr(3, quoted.size() - 4);
}

}  // namespace silt::index
