// The Go text/template subset that `| line_format` and `| label_format`
// take, as Loki uses it: literal text and {{ }} actions holding a pipeline
// of a field (`.name`, `__line__`, `__timestamp__`, a "string" or a number)
// and functions (`{{ .a | ToUpper }}`, `{{ default "-" .b }}`). `{{-` and
// `-}}` trim the spaces next to them; `{{/* comments */}}` render nothing.
// A missing label renders as "" (Loki's missingkey=zero). Control actions
// (if, range, with, ...) are refused at parse time. Immutable after Parse;
// thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace silt::query {

// Where a template reads label values from.
class LabelSource {
 public:
  virtual ~LabelSource() = default;
  // The label's value, or nullptr if absent.
  virtual const std::string* Get(std::string_view name) const = 0;
};

class Template {
 public:
  // kInvalidArgument naming what is wrong ("function \"x\" not defined").
  static absl::StatusOr<std::shared_ptr<const Template>> Parse(
      std::string_view text);
  ~Template();

  // Appends the rendering to *out. kInvalidArgument when a function fails
  // at run time (e.g. a bad substr range); *out is then unspecified.
  absl::Status Render(const LabelSource& labels, std::string_view line,
                      int64_t ts_ns, std::string* out) const;

 private:
  struct Node;
  Template() = default;
  std::vector<Node> nodes_;
};

}  // namespace silt::query
