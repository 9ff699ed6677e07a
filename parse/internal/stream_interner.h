// StreamInterner: gives each distinct label set of a batch one index in
// batch->streams. Lines are looked up by a signature (the origin and the
// extracted label values, length-prefixed) so a repeated label set costs a
// hash of a few bytes, not a Labels build. Different signatures that give
// the same canonical labels share one stream.
//
// Per batch nothing is allocated once the batch's memory is warm: the maps
// keep their memory, and streams are copied into entries the batch kept
// (RecordBatch::AddStream).
//
// Label sets built for earlier batches are kept (keyed by what the labels
// depend on besides the signature: the origin's labels and the batch's
// fallback labels), so a stream seen before costs a copy of its labels,
// not a build, canonicalisation and key. Bounded: the cache is dropped
// when it grows past kMaxCached label sets. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/node_hash_map.h"
#include "common/record_batch.h"
#include "parse/internal/bytes_map.h"

namespace silt::parse::internal {

class StreamInterner {
 public:
  static constexpr uint32_t kNone = 0xffffffff;
  static constexpr size_t kMaxCached = 1 << 16;

  // Starts a batch: clears batch->streams and the per-batch maps (keeping
  // capacity).
  void Reset(RecordBatch* batch);

  // The stream of `signature` in this batch, or kNone.
  uint32_t Find(std::string_view signature) const {
    return by_signature_.Find(signature);
  }

  // The stream of `signature` if an earlier batch with the same origin and
  // fallback labels built it (added to this batch now), or kNone.
  uint32_t FindCached(std::string_view signature, uint32_t origin);

  // Interns `labels` (canonicalised here; an empty set becomes the batch's
  // fallback labels) and remembers `signature` for it, in this batch and
  // for later ones.
  uint32_t Add(std::string_view signature, uint32_t origin, Labels labels);

 private:
  using Cache = absl::flat_hash_map<std::string, BatchStream>;
  Cache* CacheFor(uint32_t origin);
  // Adds `stream` to the batch (a copy into a reused entry) unless a stream
  // with its key is there, and maps `signature` to it.
  uint32_t Intern(std::string_view signature, const BatchStream& stream);

  RecordBatch* batch_ = nullptr;
  // Per batch; no allocation once warm.
  BytesMap by_signature_;
  BytesMap by_key_;
  // context (origin labels, fallback labels) -> signature -> stream. A node
  // map: origin_cache_ points into it across inserts of other contexts.
  absl::node_hash_map<std::string, Cache> cache_;
  size_t cached_ = 0;
  std::vector<Cache*> origin_cache_;  // per origin of this batch, lazily
  std::string context_;               // scratch
};

}  // namespace silt::parse::internal
