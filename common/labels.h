// A label set: a small, sorted list of name=value pairs that names a stream.
// Value type; not synchronised.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace silt {

using Label = std::pair<std::string, std::string>;
// Sorted by name, names unique (see Canonicalize).
using Labels = std::vector<Label>;

// Sorts by name and drops later duplicates of a name (the first one wins).
void Canonicalize(Labels* labels);

// Prometheus/Loki text form: {a="x", b="y\"z"} with values escaped
// (backslash, double quote, newline). REQUIRES: canonical labels.
std::string LabelsToString(const Labels& labels);

// The stream key used for hashing and persistence: the same text as
// LabelsToString. Stream id = StreamId(tenant, key).
uint64_t StreamId(std::string_view tenant, std::string_view key);

// Parses the text form back ({a="x",b="y"}; spaces allowed). Returns false on
// a syntax error. The result is canonical.
bool ParseLabels(std::string_view text, Labels* out);

// Value of `name`, or nullptr.
const std::string* FindLabel(const Labels& labels, std::string_view name);

// Loki's label name rule: [a-zA-Z_][a-zA-Z0-9_]*.
bool IsValidLabelName(std::string_view name);

}  // namespace silt
