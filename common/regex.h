// A compiled Hyperscan regular expression (PCRE-like syntax, no
// backreferences or lookaround). Immutable after Compile(); Matches() is
// thread-safe (scratch space is per thread). Keeps <hs/hs.h> out of headers.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace silt {

class Regex {
 public:
  enum class Mode {
    kSearch,     // matches anywhere in the input (line filters |~ !~)
    kFullMatch,  // must match the whole input (label matchers =~ !~)
  };
  // kInvalidArgument with Hyperscan's message for a bad pattern.
  static absl::StatusOr<std::unique_ptr<Regex>> Compile(
      std::string_view pattern, Mode mode, bool case_insensitive = false);
  ~Regex();

  bool Matches(std::string_view input) const;
  const std::string& pattern() const { return pattern_; }

 private:
  struct Rep;
  Regex() = default;
  std::string pattern_;
  std::unique_ptr<Rep> rep_;
};

}  // namespace silt
