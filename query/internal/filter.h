// A compiled log pipeline: the line filters of a LogExpr applied to one
// line. Literal filters use glibc's memmem (two-way / SIMD); regex filters
// use the Hyperscan Regex the parser compiled. Immutable; thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "query/internal/ast.h"

namespace silt::query {

class Pipeline {
 public:
  // `stages` must outlive the pipeline.
  explicit Pipeline(const std::vector<PipelineStage>& stages);

  // True when the line passes every stage.
  bool Keep(std::string_view line) const;

  bool empty() const { return filters_.empty(); }

 private:
  std::vector<const LineFilterStage*> filters_;
};

// One line filter on one line.
bool LineFilterKeeps(const LineFilterStage& f, std::string_view line);

}  // namespace silt::query
