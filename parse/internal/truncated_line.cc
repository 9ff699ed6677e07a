#include "parse/internal/truncated_line.h"

#include <simdjson.h>

namespace silt::parse::internal {
namespace {

// Length of `s` without a trailing, incomplete UTF-8 sequence.
size_t CompleteUtf8Prefix(std::string_view s) {
  size_t n = s.size();
  size_t back = 0;
  while (back < 4 && back < n &&
         (static_cast<unsigned char>(s[n - 1 - back]) & 0xC0) == 0x80) {
    ++back;
  }
  if (back == n) return n;  // only continuation bytes: leave to validation
  const unsigned char lead = static_cast<unsigned char>(s[n - 1 - back]);
  size_t need = 1;
  if (lead >= 0xF0) {
    need = 4;
  } else if (lead >= 0xE0) {
    need = 3;
  } else if (lead >= 0xC0) {
    need = 2;
  }
  return back + 1 < need ? n - 1 - back : n;
}

}  // namespace

std::string_view TruncatedLine::Prepare(std::string_view line) {
  buf_.assign(line.data(), CompleteUtf8Prefix(line));
  // Open brackets outside strings; simdjson wants the root object closed
  // before it reads any field.
  std::string closers;
  bool in_string = false;
  bool escape = false;
  for (char c : buf_) {
    if (escape) {
      escape = false;
    } else if (in_string) {
      if (c == '\\') {
        escape = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{') {
      closers.push_back('}');
    } else if (c == '[') {
      closers.push_back(']');
    } else if ((c == '}' || c == ']') && !closers.empty()) {
      closers.pop_back();
    }
  }
  if (in_string) {
    if (escape) buf_.pop_back();  // a dangling backslash would eat the quote
    buf_.push_back('"');
  }
  buf_.append(closers.rbegin(), closers.rend());
  const size_t len = buf_.size();
  buf_.append(simdjson::SIMDJSON_PADDING, '\0');
  return std::string_view(buf_.data(), len);
}

}  // namespace silt::parse::internal
