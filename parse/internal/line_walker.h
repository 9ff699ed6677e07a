// LineWalker: reads one JSON line with simdjson On Demand, in place, in a
// single pass over its fields, and records the values of the wanted paths
// (a PathMatcher) into slots. One per thread; not thread-safe.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "parse/internal/path_matcher.h"

namespace silt::parse::internal {

enum class ValueKind : uint8_t { kString, kNumber, kBool };

struct SlotValue {
  static constexpr uint16_t kAbsent = 0xffff;
  std::string_view text;  // unescaped; valid until the next Walk()
  uint16_t priority = kAbsent;
  ValueKind kind = ValueKind::kString;
  bool present() const { return priority != kAbsent; }
};

class LineWalker {
 public:
  LineWalker(const PathMatcher* matcher, size_t slots);

  // Parses `data[0, len)`; `capacity` bytes from `data` are readable
  // (REQUIRES: capacity >= len + simdjson::SIMDJSON_PADDING). Returns
  // simdjson::SUCCESS when the line is exactly one JSON object; on an error
  // the slots hold whatever was read before it (best effort).
  simdjson::error_code Walk(const char* data, size_t len, size_t capacity);

  const SlotValue& slot(size_t i) const { return slots_[i]; }

  // Grows simdjson's buffers for lines up to `bytes` (avoids reallocation
  // inside a batch).
  void Reserve(size_t bytes);

 private:
  simdjson::error_code WalkObject(simdjson::ondemand::object& object,
                                  uint32_t node, int depth);
  void Record(const PathMatcher::Node& node, std::string_view text,
              ValueKind kind);

  const PathMatcher* matcher_;
  std::vector<SlotValue> slots_;
  simdjson::ondemand::parser parser_;
};

}  // namespace silt::parse::internal
