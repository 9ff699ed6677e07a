// TruncatedLine: makes a line that a source cut at its max size readable
// for a best-effort parse. The copy drops a UTF-8 sequence split by the cut
// and closes a string the cut left open, so simdjson's first stage accepts
// it and the fields before the cut can be read. The record's bytes are not
// changed. Not thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace silt::parse::internal {

class TruncatedLine {
 public:
  // Returns the repaired copy; simdjson::SIMDJSON_PADDING readable bytes
  // follow it. Valid until the next call.
  std::string_view Prepare(std::string_view line);

 private:
  std::string buf_;
};

}  // namespace silt::parse::internal
