#include "parse/internal/path_matcher.h"

#include <algorithm>

namespace silt::parse::internal {

PathMatcher::PathMatcher() {
  nodes_.emplace_back();  // kRoot
  Rehash();
}

void PathMatcher::Add(std::string_view path, uint16_t slot, uint16_t priority) {
  if (path.empty()) return;
  std::vector<size_t> dots;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '.') dots.push_back(i);
  }
  const Target target{slot, priority};
  if (dots.size() > 6) {
    std::vector<std::string_view> nested;
    size_t start = 0;
    for (size_t d : dots) {
      nested.push_back(path.substr(start, d - start));
      start = d + 1;
    }
    nested.push_back(path.substr(start));
    AddSegments(nested, target);
    AddSegments({path}, target);
    return;
  }
  // Bit i of `split` set: the i-th dot separates two nested keys.
  for (uint32_t split = 0; split < (1u << dots.size()); ++split) {
    std::vector<std::string_view> segments;
    size_t start = 0;
    for (size_t i = 0; i < dots.size(); ++i) {
      if (split & (1u << i)) {
        segments.push_back(path.substr(start, dots[i] - start));
        start = dots[i] + 1;
      }
    }
    segments.push_back(path.substr(start));
    AddSegments(segments, target);
  }
}

void PathMatcher::AddSegments(const std::vector<std::string_view>& segments,
                              Target target) {
  uint32_t node = kRoot;
  for (std::string_view segment : segments) {
    if (segment.empty()) return;  // "a..b" or a leading/trailing dot
  }
  for (std::string_view segment : segments) {
    nodes_[node].has_children = true;
    node = Child(node, segment);
  }
  for (Target& t : nodes_[node].targets) {
    if (t.slot == target.slot) {
      if (target.priority < t.priority) t.priority = target.priority;
      return;
    }
  }
  nodes_[node].targets.push_back(target);
}

uint32_t PathMatcher::Child(uint32_t node, std::string_view key) {
  uint32_t found = Find(node, key);
  if (found != kNone) return found;
  const uint32_t child = static_cast<uint32_t>(nodes_.size());
  nodes_.emplace_back();
  Edge edge{};
  std::memcpy(edge.head, key.data(), std::min(key.size(), kPadRead));
  edge.parent = node;
  edge.child = child;
  edge.len = static_cast<uint32_t>(key.size());
  edges_.push_back(edge);
  keys_.emplace_back(key);
  if (edges_.size() * 4 > table_.size()) {
    Rehash();
  } else {
    uint32_t h = Hash(node, key) & mask_;
    while (table_[h] != kNone) h = (h + 1) & mask_;
    table_[h] = static_cast<uint32_t>(edges_.size() - 1);
  }
  return child;
}

void PathMatcher::Rehash() {
  size_t size = 64;
  while (size < edges_.size() * 4) size *= 2;
  table_.assign(size, kNone);
  mask_ = static_cast<uint32_t>(size - 1);
  for (uint32_t e = 0; e < edges_.size(); ++e) {
    uint32_t h = Hash(edges_[e].parent, keys_[e]) & mask_;
    while (table_[h] != kNone) h = (h + 1) & mask_;
    table_[h] = e;
  }
}

}  // namespace silt::parse::internal
