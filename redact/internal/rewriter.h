// Rewrites one value (a line, a metadata object, a label value) with the
// spans SpanFinder locates: as JSON (walk, decode strings, re-escape
// replacements, whole values under secret keys, nested JSON in strings) or
// as text. redact/redact_format.md, sections 2 and 5. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "redact/internal/compiled_rules.h"
#include "redact/internal/span_finder.h"

namespace silt::redact::internal {

class Rewriter {
 public:
  Rewriter(const Rules::Rep* rules, SpanFinder* finder);

  // Redacts `in` for the rules flagged in `mask`: as JSON when `json` (text
  // when the walk fails), else as text. Returns true and sets *out to the
  // new bytes if anything changed; *out is unspecified otherwise.
  bool Rewrite(std::string_view in, bool json, uint64_t mask, std::string* out);

  // Replacements made so far, per rule id; the caller clears it.
  std::vector<uint64_t>& counts() { return counts_; }

 private:
  friend class JsonWalk;
  bool RewriteAt(std::string_view in, bool json, uint64_t mask, int level,
                 std::string* out);
  bool RewriteText(std::string_view in, uint64_t mask, const TextContext& ctx,
                   std::string* out);
  std::string* Buffer(int level);

  const Rules::Rep* rules_;
  SpanFinder* finder_;
  std::vector<uint64_t> counts_;
  std::vector<std::string> buffers_;  // per nesting level
};

}  // namespace silt::redact::internal
