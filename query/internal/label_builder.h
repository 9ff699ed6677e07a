// The labels of one entry while it goes through a pipeline: the stream's
// labels, labels the parsers extract and the formats set, deletions, and
// the error a stage reported (Loki's __error__ / __error_details__).
// Label filters and templates also see the entry's own attributes, which
// are not labels of the answer: `trace_id`, `span_id` and the keys of its
// structured metadata. Reused entry after entry (Reset); not thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/labels.h"
#include "query/internal/template.h"
#include "store/store.h"

namespace silt::query {

inline constexpr const char* kErrorLabel = "__error__";
inline constexpr const char* kErrorDetailsLabel = "__error_details__";
inline constexpr const char* kJsonParserErr = "JSONParserErr";
inline constexpr const char* kLogfmtParserErr = "LogfmtParserErr";
inline constexpr const char* kLabelFilterErr = "LabelFilterErr";
inline constexpr const char* kSampleExtractionErr = "SampleExtractionErr";
inline constexpr const char* kTemplateFormatErr = "TemplateFormatErr";

class LabelBuilder : public LabelSource {
 public:
  // `base` (canonical stream labels) and `entry` must outlive the use.
  void Reset(const Labels* base, const store::EntryView* entry);

  // Current value: set labels, then the stream's (unless deleted), then the
  // error labels, then the entry's attributes. nullptr if none.
  const std::string* Get(std::string_view name) const override;
  bool BaseHas(std::string_view name) const;
  void Set(std::string_view name, std::string_view value);
  void Del(std::string_view name);

  void SetError(const char* error, std::string_view details);
  bool HasError() const { return !error_.empty(); }
  const std::string& error() const { return error_; }

  // Every label name currently present (stream, set, error), unsorted.
  std::vector<std::string> Names() const;
  // The labels of the answer: canonical, with the error labels if any.
  Labels Result() const;

 private:
  const Labels* base_ = nullptr;
  const store::EntryView* entry_ = nullptr;
  std::vector<Label> set_;        // added or changed, in insertion order
  std::vector<std::string> del_;  // deleted base labels
  std::string error_, details_;
  mutable std::string attr_;  // Get() of an entry attribute
};

}  // namespace silt::query
