// The parser stages of a pipeline, as Loki runs them:
// - `| json`: every string, number and boolean of the line's object becomes
//   a label, nested keys joined with `_` (`{"a":{"b":1}}` gives a_b="1"),
//   arrays and nulls skipped, names sanitised to [a-zA-Z0-9_] (a leading
//   digit gets a `_`), a name the stream already has gets `_extracted`;
//   a line that is not a JSON object sets __error__=JSONParserErr.
//   `| json a="x.y[0]"` extracts just those paths (objects and arrays as
//   their JSON text, a missing path as "").
// - `| logfmt`: key=value pairs (quoted values unescaped); keys with empty
//   values are skipped unless --keep-empty; a syntax error skips to the next
//   pair, or with --strict stops and sets __error__=LogfmtParserErr.
// Pure functions (thread-local parser state); thread-safe.
#pragma once

#include <string_view>

#include "query/internal/ast.h"
#include "query/internal/label_builder.h"

namespace silt::query {

void ExtractJson(std::string_view line, const PipelineStage& stage,
                 LabelBuilder* labels);
void ExtractLogfmt(std::string_view line, const PipelineStage& stage,
                   LabelBuilder* labels);

// Loki's sanitizeLabelKey for one key.
std::string SanitizeLabelName(std::string_view key);

}  // namespace silt::query
