// Reads a part file (store/part_format.md). Open loads and verifies the
// footer and the block table, run index and stream table, and keeps them in
// memory; blocks are read with pread on demand. Thread-safe after Open.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/file.h"
#include "store/internal/block.h"

namespace silt::store {

class PartIndex;  // store/internal/part_index.h

class PartReader {
 public:
  struct BlockHandle {
    uint64_t offset;
    uint32_t stored_size;
    uint32_t raw_size;
    uint64_t checksum;
  };
  struct Run {
    uint64_t stream;
    int64_t min_ts, max_ts;  // inclusive
    uint32_t block, first, count, line_bytes;
  };

  // kDataLoss if the footer or tables are damaged; I/O errors as file.h.
  static absl::StatusOr<std::shared_ptr<PartReader>> Open(
      const std::string& path);

  const std::string& path() const { return path_; }
  const std::string& tenant() const { return tenant_; }
  uint64_t file_size() const { return file_->size(); }
  size_t num_blocks() const { return blocks_.size(); }
  int64_t min_ts() const { return min_ts_; }
  int64_t max_ts() const { return max_ts_; }
  // (stream id, key) sorted by id.
  const std::vector<std::pair<uint64_t, std::string>>& streams() const {
    return streams_;
  }
  const std::vector<Run>& runs() const { return runs_; }
  // The runs of `stream`, in time order: [first, last).
  std::pair<const Run*, const Run*> RunsOf(uint64_t stream) const;

  // Reads, verifies and decodes block `i`. kDataLoss if it is damaged.
  // Lines are rebuilt as they are read (see DecodedBlock).
  absl::Status ReadBlock(uint32_t i, DecodedBlock* out) const;

  // The trace table, read on first use and kept.
  absl::StatusOr<std::shared_ptr<const TraceTable>> Traces() const;
  uint32_t num_traces() const { return num_traces_; }
  // The footer's own checksum: identifies this exact file.
  uint64_t footer_checksum() const { return footer_checksum_; }

  // The part's index (block filters, trace table; part_index_format.md),
  // or null until the background indexer has built it.
  std::shared_ptr<const PartIndex> index() const;
  void SetIndex(std::shared_ptr<const PartIndex> index) const;

 private:
  PartReader() = default;
  absl::Status Load();

  std::string path_;
  std::unique_ptr<RandomAccessFile> file_;
  std::string tenant_;
  std::vector<BlockHandle> blocks_;
  std::vector<Run> runs_;
  std::vector<std::pair<uint64_t, std::string>> streams_;
  int64_t min_ts_ = 0, max_ts_ = 0;
  uint64_t trace_offset_ = 0, trace_checksum_ = 0;
  uint32_t trace_stored_ = 0, trace_raw_ = 0, num_traces_ = 0;
  uint64_t footer_checksum_ = 0;
  mutable std::mutex traces_mu_;
  mutable std::shared_ptr<const TraceTable> traces_;
  mutable std::mutex index_mu_;
  mutable std::shared_ptr<const PartIndex> index_;
};

}  // namespace silt::store
