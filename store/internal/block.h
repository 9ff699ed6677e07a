// The columnar payload of one part block (store/part_format.md, "block"):
// BlockBuilder lays entries out column by column; DecodedBlock parses a
// payload back. Compression and checksums are in BlockCodec. Not
// thread-safe; a DecodedBlock is immutable after Parse and may be shared.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "store/internal/part_format.h"
#include "store/store.h"

namespace silt::store {

class BlockBuilder {
 public:
  void Add(const EntryView& e);
  uint32_t count() const { return n_; }
  bool empty() const { return n_ == 0; }
  // Uncompressed payload size so far (sections, without the small header).
  size_t raw_bytes() const { return bytes_; }
  // Writes the payload into *out (replacing it) and resets the builder.
  void Finish(std::string* out);

 private:
  std::string sec_[kNumSections];
  int64_t prev_ts_ = 0;
  uint32_t n_ = 0;
  size_t bytes_ = 0;
};

class DecodedBlock {
 public:
  // Parses `payload` (taking it). kDataLoss if the sections do not add up.
  absl::Status Parse(std::string payload);
  uint32_t size() const { return static_cast<uint32_t>(ents_.size()); }
  int64_t ts(uint32_t i) const { return ents_[i].ts; }
  std::string_view line(uint32_t i) const {
    return std::string_view(data_ + ents_[i].line_off, ents_[i].line_len);
  }
  EntryView entry(uint32_t i) const;

 private:
  struct Ent {
    int64_t ts;
    uint32_t line_off, line_len;
    uint32_t trace_off, trace_len;
    uint32_t span_off, span_len;
    uint32_t meta_off, meta_len;
  };
  std::string payload_;
  const char* data_ = nullptr;
  std::vector<Ent> ents_;
};

// zstd compression of block payloads; keeps its context between blocks.
class BlockCompressor {
 public:
  explicit BlockCompressor(int level);
  ~BlockCompressor();
  // Compresses `raw` into *out (replacing it).
  absl::Status Compress(std::string_view raw, std::string* out);

 private:
  struct Rep;  // keeps <zstd.h> out of this header
  std::unique_ptr<Rep> rep_;
  int level_;
};

// Verifies `stored` against `checksum`, decompresses it (expecting
// `raw_size` bytes) and parses it. kDataLoss on any mismatch.
absl::Status DecodeBlock(std::string_view stored, uint64_t checksum,
                         uint32_t raw_size, DecodedBlock* out);

uint64_t BlockChecksum(std::string_view stored);

}  // namespace silt::store
