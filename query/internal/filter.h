// A compiled log pipeline: the line filters of a LogExpr applied to one
// line. Literal filters use glibc's memmem (two-way / SIMD); regex filters
// use the Hyperscan Regex the parser compiled. Immutable; thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "common/labels.h"
#include "query/internal/ast.h"

namespace silt::query {

class Pipeline {
 public:
  // `stages` must outlive the pipeline.
  explicit Pipeline(const std::vector<PipelineStage>& stages);

  // True when the line passes every stage.
  bool Keep(std::string_view line) const;

  // The labels an entry of a stream with `labels` carries after the
  // pipeline. No stage reads the line to make labels yet, so this is per
  // stream.
  Labels OutputLabels(const Labels& labels) const;

  bool empty() const { return filters_.empty(); }

 private:
  std::vector<const LineFilterStage*> filters_;
  std::vector<std::string> drop_;
};

// One line filter on one line.
bool LineFilterKeeps(const LineFilterStage& f, std::string_view line);

}  // namespace silt::query
