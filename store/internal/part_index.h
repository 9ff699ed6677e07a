// The index of one part, kept in a sidecar file (store/part_index_format.md):
// per-block filters of letter 4-grams and the part's trace ids by hash with
// the blocks that hold each. Build() writes it from a part, Open() maps it
// and checks it against its part. Immutable and thread-safe once made.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "store/internal/part_reader.h"

namespace silt::store {

class PartIndex {
 public:
  // "<dir>/<seq>.pidx" for "<dir>/<seq>.part".
  static std::string PathFor(const std::string& part_path);

  // Maps the index file of `part`. kNotFound if there is none, kDataLoss if
  // it is damaged or belongs to another version of the part.
  static absl::StatusOr<std::shared_ptr<const PartIndex>> Open(
      const PartReader& part);
  // Decodes every block of `part`, writes its index (tmp + rename, synced
  // when `fsync`) and opens it. A damaged block gets a filter that passes
  // everything and no postings.
  static absl::StatusOr<std::shared_ptr<const PartIndex>> Build(
      const PartReader& part, bool fsync);
  ~PartIndex();

  // False only if block `block` holds no line with every gram of `grams`
  // (LiteralGrams of a literal).
  bool BlockMayContain(uint32_t block,
                       const std::vector<uint32_t>& grams) const;

  // The in-memory filter: false means the part has no entry of the trace
  // whose id hashes (XXH3_64) to `id_hash`.
  bool MayHaveTrace(uint64_t id_hash) const;

  // The blocks that may hold the trace (ascending; a fingerprint match, so
  // possibly a few of another id: the caller checks the entries).
  // kDataLoss for a damaged table.
  absl::StatusOr<std::vector<uint32_t>> TraceBlocks(uint64_t id_hash) const;

  uint64_t file_bytes() const { return size_; }

 private:
  PartIndex() = default;
  absl::Status Load(const PartReader& part);
  uint32_t Bucket(uint64_t id_hash) const;

  std::string path_;
  const char* data_ = nullptr;  // mapped file
  size_t size_ = 0;
  uint32_t num_blocks_ = 0, num_traces_ = 0, num_buckets_ = 0;
  int bucket_bits_ = 0;
  uint64_t filters_offset_ = 0, buckets_offset_ = 0, fingerprints_offset_ = 0,
           postings_offset_ = 0, footer_offset_ = 0;
  std::vector<uint8_t> trace_bloom_;  // in memory
};

}  // namespace silt::store
