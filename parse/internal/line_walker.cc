#include "parse/internal/line_walker.h"

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
    // The raw key starts after its opening quote; stage 1 saw it closed, so
    // the closing quote is in the line. Keys with escapes never match.
    const char* key = field.key().raw();
    const char* p = key;
    bool escaped = false;
    while (*p != '"') {
      if (*p == '\\') {
        escaped = true;
        ++p;
      }
      ++p;
    }
    if (escaped) continue;
    const uint32_t child = matcher_->Find(
        node, std::string_view(key, static_cast<size_t>(p - key)));
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
