// Spans the locators find, and what a locator knows about its text.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace silt::redact::internal {

// Bytes [begin, end) of a located text, to be replaced under `rule` (the
// rule's index in the compiled rule list).
struct Span {
  uint32_t begin = 0;
  uint32_t end = 0;
  uint16_t rule = 0;
};

struct TextContext {
  // The text is the value of a JSON key naming an Authorization header, so
  // a leading `Bearer x` / `Basic x` is a credential by itself.
  bool auth_value = false;
};

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
inline bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c); }
inline bool IsWordChar(char c) { return IsAlnum(c) || c == '_'; }
inline char Lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

// True if `text` at `pos` starts a redaction marker: `[REDACTED:` or
// `[<name>:` (a hash output), so redacting twice changes nothing.
bool IsMarkerAt(std::string_view text, size_t pos);

}  // namespace silt::redact::internal
