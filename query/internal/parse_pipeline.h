// Parsing of a log pipeline's stages (line filters, parsers, label filters,
// formats, drop/keep) and of `| unwrap`, shared by log queries and the log
// range of metric queries. Pure functions over a TokenStream.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "query/internal/ast.h"
#include "query/internal/token_stream.h"

namespace silt::query {

// name op "value" with op one of = != =~ !~; the cursor is on the name.
absl::StatusOr<index::Matcher> ParseMatcher(TokenStream* ts);

// Appends stages while the next tokens start one. Stops (without consuming)
// at `| unwrap` and at any token that cannot start a stage.
absl::Status ParsePipeline(TokenStream* ts, std::vector<PipelineStage>* stages);

// True when the cursor is on `| unwrap`.
bool AtUnwrap(const TokenStream& ts);

// `| unwrap [conv(]label[)]` then `| label filter` post filters.
// REQUIRES: AtUnwrap(*ts).
absl::Status ParseUnwrap(TokenStream* ts, Unwrap* out);

}  // namespace silt::query
