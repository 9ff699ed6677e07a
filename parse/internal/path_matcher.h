// PathMatcher: the set of JSON paths the parser wants from a line, as a
// trie over object keys, looked up one key at a time while the line's
// fields stream past (one pass, no per-path search).
//
// A dotted path "k8s.pod.name" matches every way of splitting it at dots:
// nested objects {"k8s":{"pod":{"name":..}}}, a literal key
// {"k8s.pod.name":..}, and the mixed forms {"k8s":{"pod.name":..}}.
// Each path leads to a Target: a slot (what the value is for) and a
// priority (lower wins; the path's position in its rule).
//
// Built once, then read-only: safe to share between threads.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace silt::parse::internal {

struct Target {
  uint16_t slot;
  uint16_t priority;
};

class PathMatcher {
 public:
  static constexpr uint32_t kRoot = 0;
  static constexpr uint32_t kNone = 0xffffffff;

  struct Node {
    std::vector<Target> targets;  // values that end at this key
    bool has_children = false;    // an object here is worth descending into
  };

  PathMatcher();

  // Adds `path` for `slot`. A path with more than 6 dots only matches as
  // written nested and as one literal key.
  void Add(std::string_view path, uint16_t slot, uint16_t priority);

  // The child of `node` reached by `key` (raw bytes of an object key), or
  // kNone. Only valid after the last Add().
  uint32_t Find(uint32_t node, std::string_view key) const {
    if (key.empty()) return kNone;
    for (uint32_t h = Hash(node, key) & mask_;; h = (h + 1) & mask_) {
      const uint32_t e = table_[h];
      if (e == kNone) return kNone;
      const Edge& edge = edges_[e];
      if (edge.parent == node && edge.len == key.size() &&
          std::memcmp(KeyOf(e), key.data(), key.size()) == 0) {
        return edge.child;
      }
    }
  }

  // Find() for a key inside a padded buffer: REQUIRES kPadRead bytes
  // readable from key.data() (a line in a batch arena or a simdjson
  // buffer). Keys of up to kPadRead bytes are compared in one vector step.
  static constexpr size_t kPadRead = 32;
  uint32_t FindPadded(uint32_t node, std::string_view key) const {
    if (key.empty()) return kNone;
    if (key.size() > kPadRead) return Find(node, key);
    const __m256i k =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(key.data()));
    const uint32_t want =
        static_cast<uint32_t>((uint64_t{1} << key.size()) - 1);
    for (uint32_t h = Hash(node, key) & mask_;; h = (h + 1) & mask_) {
      const uint32_t e = table_[h];
      if (e == kNone) return kNone;
      const Edge& edge = edges_[e];
      if (edge.parent != node || edge.len != key.size()) continue;
      const __m256i head =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(edge.head));
      const uint32_t eq = static_cast<uint32_t>(
          _mm256_movemask_epi8(_mm256_cmpeq_epi8(k, head)));
      if ((eq & want) == want) return edge.child;
    }
  }

  const Node& node(uint32_t id) const { return nodes_[id]; }
  size_t node_count() const { return nodes_.size(); }

 private:
  struct Edge {
    char head[kPadRead];  // the key's first kPadRead bytes, zero padded
    uint32_t parent;
    uint32_t child;
    uint32_t len;
  };

  const char* KeyOf(uint32_t e) const { return keys_[e].data(); }

  static uint32_t Hash(uint32_t node, std::string_view key) {
    uint32_t h = node * 0x9E3779B1u;
    h ^= static_cast<uint32_t>(key.size()) * 0x85EBCA6Bu;
    h ^= static_cast<unsigned char>(key[0]) * 0xC2B2AE35u;
    h ^= static_cast<unsigned char>(key[key.size() - 1]) * 0x27D4EB2Fu;
    h ^= static_cast<unsigned char>(key[key.size() / 2]) * 0x165667B1u;
    return h ^ (h >> 15);
  }

  void AddSegments(const std::vector<std::string_view>& segments,
                   Target target);
  uint32_t Child(uint32_t node, std::string_view key);  // creates if absent
  void Rehash();

  std::vector<Node> nodes_;
  std::vector<Edge> edges_;
  std::vector<std::string> keys_;  // per edge: the whole key
  std::vector<uint32_t> table_;    // open addressing; indexes into edges_
  uint32_t mask_ = 0;
};

}  // namespace silt::parse::internal
