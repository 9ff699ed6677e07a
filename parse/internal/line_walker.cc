#include "parse/internal/line_walker.h"

#include <immintrin.h>

#include <utility>

namespace silt::parse::internal {
namespace {

using simdjson::error_code;
namespace od = simdjson::ondemand;

// Nested paths deeper than this are not followed (the trie is shallow; the
// limit keeps hostile input from recursing).
constexpr int kMaxDepth = 8;

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' ||
                        s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// The length of a raw key (`key` just after its opening quote) up to its
// closing quote, 32 bytes a step; kEscapedKey when a backslash comes first.
// Stage 1 saw the key closed inside the line, and the line is followed by
// SIMDJSON_PADDING readable bytes, so every 32-byte load up to the closing
// quote stays readable.
constexpr size_t kEscapedKey = ~size_t{0};
inline size_t RawKeyLength(const char* key) {
  const __m256i quote = _mm256_set1_epi8('"');
  const __m256i backslash = _mm256_set1_epi8('\\');
  for (size_t off = 0;; off += 32) {
    const __m256i v =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(key + off));
    const uint32_t q = static_cast<uint32_t>(
        _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, quote)));
    const uint32_t b = static_cast<uint32_t>(
        _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, backslash)));
    if (q != 0) {
      // Backslashes before the first quote: an escape (maybe of that
      // quote); such keys never match.
      if ((b & ((q & (0 - q)) - 1)) != 0) return kEscapedKey;
      return off + static_cast<size_t>(__builtin_ctz(q));
    }
    if (b != 0) return kEscapedKey;
  }
}

}  // namespace

LineWalker::LineWalker(const PathMatcher* matcher, size_t slots)
    : matcher_(matcher), slots_(slots) {}

void LineWalker::Reserve(size_t bytes) {
  if (parser_.capacity() < bytes) {
    // On failure the old capacity stays; iterate() then reports the error
    // for the long line alone.
    if (parser_.allocate(bytes) != simdjson::SUCCESS) return;
  }
}

error_code LineWalker::Walk(const char* data, size_t len, size_t capacity) {
  for (SlotValue& s : slots_) s.priority = SlotValue::kAbsent;
  od::document doc;
  error_code err = parser_.iterate(data, len, capacity).get(doc);
  if (err) return err;
  od::object object;
  if ((err = doc.get_object().get(object))) return err;
  if ((err = WalkObject(object, PathMatcher::kRoot, 0))) return err;
  // One object and nothing after it: current_location() fails at the end.
  const char* trailing = nullptr;
  if (!doc.current_location().get(trailing)) return simdjson::TRAILING_CONTENT;
  return simdjson::SUCCESS;
}

void LineWalker::Record(const PathMatcher::Node& node, std::string_view text,
                        ValueKind kind) {
  for (const Target& t : node.targets) {
    SlotValue& slot = slots_[t.slot];
    if (t.priority < slot.priority) {
      slot.text = text;
      slot.priority = t.priority;
      slot.kind = kind;
    }
  }
}

error_code LineWalker::WalkObject(od::object& object, uint32_t node,
                                  int depth) {
  for (auto field_result : object) {
    od::field field;
    error_code err = std::move(field_result).get(field);
    if (err) return err;
    // The raw key starts after its opening quote. Keys with escapes never
    // match.
    const char* key = field.key().raw();
    const size_t key_len = RawKeyLength(key);
    if (key_len == kEscapedKey) continue;
    // FindPadded reads 32 bytes from the key: inside the line and its
    // padding, as for RawKeyLength.
    const uint32_t child =
        matcher_->FindPadded(node, std::string_view(key, key_len));
    if (child == PathMatcher::kNone) continue;
    const PathMatcher::Node& n = matcher_->node(child);
    od::value value = field.value();
    od::json_type type;
    if ((err = value.type().get(type))) return err;
    switch (type) {
      case od::json_type::string:
        if (!n.targets.empty()) {
          std::string_view text;
          if ((err = value.get_string().get(text))) return err;
          Record(n, text, ValueKind::kString);
        }
        break;
      case od::json_type::number:
        if (!n.targets.empty()) {
          Record(n, TrimRight(value.raw_json_token()), ValueKind::kNumber);
        }
        break;
      case od::json_type::boolean:
        if (!n.targets.empty()) {
          bool b;
          if ((err = value.get_bool().get(b))) return err;
          Record(n, b ? "true" : "false", ValueKind::kBool);
        }
        break;
      case od::json_type::object:
        if (n.has_children && depth < kMaxDepth) {
          od::object nested;
          if ((err = value.get_object().get(nested))) return err;
          if ((err = WalkObject(nested, child, depth + 1))) return err;
        }
        break;
      default:
        break;
    }
  }
  return simdjson::SUCCESS;
}

}  // namespace silt::parse::internal
