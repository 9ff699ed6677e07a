// LogQL parser: recursive descent over the lexer's tokens, with Prometheus
// operator precedence for binary operations. Errors are kInvalidArgument
// with Loki's wording ("parse error at line 1, col 5: syntax error: ...").
// Pure functions; thread-safe.
#pragma once

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "query/internal/ast.h"

namespace silt::query {

// A whole query: a log query or a metric query.
absl::StatusOr<std::unique_ptr<Expr>> ParseExpr(std::string_view query);

// A stream selector with an optional pipeline, as used by `match[]` and
// the `query` parameter of the label endpoints.
absl::StatusOr<std::unique_ptr<LogExpr>> ParseLogSelector(
    std::string_view query);

}  // namespace silt::query
