// Finds the exact spans of the flagged rules in one decoded text: built-in
// locators, plus the user rules' start-of-match database. Spans come out
// sorted, overlaps merged, and none over the protected texts (the record's
// trace and span ids). One per Redactor; not thread-safe.
#pragma once

#include <hs/hs.h>

#include <string_view>
#include <vector>

#include "redact/internal/compiled_rules.h"
#include "redact/internal/span.h"

namespace silt::redact::internal {

class SpanFinder {
 public:
  explicit SpanFinder(const Rules::Rep* rules);
  ~SpanFinder();
  SpanFinder(const SpanFinder&) = delete;
  SpanFinder& operator=(const SpanFinder&) = delete;

  // Texts no span may overlap, until the next call (views must stay valid).
  void SetProtected(std::string_view trace_id, std::string_view span_id) {
    protected_[0] = trace_id;
    protected_[1] = span_id;
  }

  // Replaces *out with the spans in `text` of the rules flagged in `mask`.
  void Find(std::string_view text, uint64_t mask, const TextContext& ctx,
            std::vector<Span>* out);

 private:
  const Rules::Rep* rules_;
  hs_scratch_t* scratch_ = nullptr;  // for rules_->locate_db
  std::string_view protected_[2];
};

}  // namespace silt::redact::internal
