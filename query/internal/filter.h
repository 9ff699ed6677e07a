// Line filters (|= != |~ !~) on one line. Literals use a SIMD substring
// search (common/find.h); regexes the Hyperscan Regex the parser compiled.
// Thread-safe.
#pragma once

#include <string_view>

#include "query/internal/ast.h"

namespace silt::query {

// One line filter on one line: a positive filter keeps a line matching any
// of its values, a negative one a line matching none.
bool LineFilterKeeps(const LineFilterStage& f, std::string_view line);

}  // namespace silt::query
