// Evaluates a label filter on one entry's labels, as Loki does: a string
// matcher compares the value ("" when absent); a number, duration or bytes
// filter drops an entry without the label and keeps one whose value does
// not convert, marking it __error__=LabelFilterErr. Thread-safe.
#pragma once

#include "query/internal/ast.h"
#include "query/internal/label_builder.h"

namespace silt::query {

bool EvalLabelFilter(const LabelFilter& f, LabelBuilder* labels);

}  // namespace silt::query
