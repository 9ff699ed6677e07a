#include "query/internal/filter.h"

#include "common/find.h"

namespace silt::query {
namespace {

bool ValueMatches(LineFilterOp op, const LineFilterValue& v,
                  std::string_view line) {
  if (op == LineFilterOp::kContains || op == LineFilterOp::kNotContains) {
    return v.value.empty() || FindSubstring(line, v.value) != nullptr;
  }
  return v.regex->Matches(line);
}

}  // namespace

bool LineFilterKeeps(const LineFilterStage& f, std::string_view line) {
  bool any = false;
  for (const LineFilterValue& v : f.values) {
    if (ValueMatches(f.op, v, line)) {
      any = true;
      break;
    }
  }
  return f.Negative() ? !any : any;
}

}  // namespace silt::query
