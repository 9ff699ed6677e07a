#include "query/internal/filter.h"

#include <string.h>

#include <algorithm>

namespace silt::query {
namespace {

bool Contains(std::string_view hay, std::string_view needle) {
  if (needle.empty()) return true;
  if (needle.size() > hay.size()) return false;
  return memmem(hay.data(), hay.size(), needle.data(), needle.size()) !=
         nullptr;
}

}  // namespace

bool LineFilterKeeps(const LineFilterStage& f, std::string_view line) {
  switch (f.op) {
    case LineFilterOp::kContains:
      return Contains(line, f.value);
    case LineFilterOp::kNotContains:
      return !Contains(line, f.value);
    case LineFilterOp::kRegex:
      return f.regex->Matches(line);
    case LineFilterOp::kNotRegex:
      return !f.regex->Matches(line);
  }
  return false;
}

Pipeline::Pipeline(const std::vector<PipelineStage>& stages) {
  for (const PipelineStage& s : stages) {
    if (s.kind == PipelineStage::Kind::kLineFilter) {
      // `|= ""` keeps every line: skip it.
      if (s.line_filter.op == LineFilterOp::kContains &&
          s.line_filter.value.empty()) {
        continue;
      }
      filters_.push_back(&s.line_filter);
    } else if (s.kind == PipelineStage::Kind::kDrop) {
      drop_.insert(drop_.end(), s.drop_labels.begin(), s.drop_labels.end());
    }
  }
}

Labels Pipeline::OutputLabels(const Labels& labels) const {
  if (drop_.empty()) return labels;
  Labels out;
  for (const auto& l : labels) {
    if (std::find(drop_.begin(), drop_.end(), l.first) == drop_.end()) {
      out.push_back(l);
    }
  }
  return out;
}

bool Pipeline::Keep(std::string_view line) const {
  for (const LineFilterStage* f : filters_) {
    if (!LineFilterKeeps(*f, line)) return false;
  }
  return true;
}

}  // namespace silt::query
