// A compiled log pipeline: the stages of a LogExpr run over one entry.
// Two paths:
// - line-only pipelines (line filters, and drop/keep of plain names): the
//   labels depend on the stream alone, so evaluation asks Keep(line) per
//   entry and OutputLabels() once per stream;
// - every other pipeline runs Process() per entry with a LabelBuilder
//   (parsers, label filters, formats, errors).
// Immutable; thread-safe (Process keeps its state in the caller's
// builder).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/labels.h"
#include "query/internal/ast.h"
#include "query/internal/label_builder.h"
#include "store/store.h"

namespace silt::query {

class Pipeline {
 public:
  // `stages` must outlive the pipeline.
  explicit Pipeline(const std::vector<PipelineStage>& stages);

  bool line_only() const { return line_only_; }

  // REQUIRES: line_only(). True when the line passes every line filter.
  bool Keep(std::string_view line) const;
  // REQUIRES: line_only(). The labels a stream's entries carry.
  Labels OutputLabels(const Labels& labels) const;

  // Runs every stage on `entry` of a stream with `stream_labels`. Returns
  // false when a stage drops it; otherwise *labels holds its labels and
  // *line its (possibly rewritten) line.
  bool Process(const Labels& stream_labels, const store::EntryView& entry,
               LabelBuilder* labels, std::string* line) const;

  // Literal `|=` values that every kept line contains (filters before any
  // stage that rewrites the line): what a store may use to skip blocks.
  std::vector<std::string> RequiredLiterals() const;
  // The same, and those filters are skipped from now on: the store applies
  // them (ScanOptions::must_contain).
  std::vector<std::string> PushDownLiterals();
  // The id of a `| trace_id="..."` filter that runs before any stage that
  // could set a trace_id label: the entries of that trace are the only
  // candidates.
  std::optional<std::string> TraceIdFilter() const;

 private:
  // Indexes of the literal filters RequiredLiterals() names.
  std::vector<size_t> RequiredStages() const;

  const std::vector<PipelineStage>& stages_;
  std::vector<bool> done_;  // stages applied by the store
  bool line_only_ = true;
};

}  // namespace silt::query
