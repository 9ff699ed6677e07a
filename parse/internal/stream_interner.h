// StreamInterner: gives each distinct label set of a batch one index in
// batch->streams. Lines are looked up by a signature (the origin and the
// extracted label values, length-prefixed) so a repeated label set costs a
// hash of a few bytes, not a Labels build. Different signatures that give
// the same canonical labels share one stream. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "common/record_batch.h"

namespace silt::parse::internal {

class StreamInterner {
 public:
  static constexpr uint32_t kNone = 0xffffffff;

  // Starts a batch: clears batch->streams and the maps (keeping capacity).
  void Reset(RecordBatch* batch);

  // The stream of `signature`, or kNone.
  uint32_t Find(std::string_view signature) const {
    auto it = by_signature_.find(
        absl::string_view(signature.data(), signature.size()));
    return it == by_signature_.end() ? kNone : it->second;
  }

  // Interns `labels` (canonicalised here; an empty set becomes the batch's
  // fallback labels) and remembers `signature` for it.
  uint32_t Add(std::string_view signature, Labels labels);

 private:
  RecordBatch* batch_ = nullptr;
  absl::flat_hash_map<std::string, uint32_t> by_signature_;
  absl::flat_hash_map<std::string, uint32_t> by_key_;
};

}  // namespace silt::parse::internal
