// Writes one immutable part file (store/part_format.md): entries grouped by
// stream into zstd blocks, then the block table, run index, stream table and
// footer. The file is built as <path>.tmp and renamed into place by Finish,
// so readers never see a partial part. Not thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/file.h"
#include "store/internal/block.h"
#include "store/store.h"

namespace silt::store {

class CompressPool;

struct PartWriterOptions {
  int zstd_level = 3;
  uint32_t target_block_bytes = 1 << 20;  // uncompressed, per block
  bool fsync = true;
  // If set, blocks are compressed there while the writer builds the next
  // ones (at most max_blocks_in_flight at a time); else inline. The pool
  // must outlive the writer.
  CompressPool* pool = nullptr;
  int max_blocks_in_flight = 4;
  // Blocks are built from the entries after Add returns. true: Add copies
  // each entry's bytes; false: the caller keeps them valid until Finish
  // returns (the store's cut: they are in the frozen head).
  bool copy_entries = true;
};

struct PartInfo {
  std::string path;
  uint64_t file_bytes = 0;
  uint32_t blocks = 0;
  uint32_t runs = 0;
  uint32_t streams = 0;
  uint64_t entries = 0;
  uint64_t line_bytes = 0;
};

class PartWriter {
 public:
  // Creates `path`.tmp for tenant `tenant`. The directory must exist.
  static absl::StatusOr<std::unique_ptr<PartWriter>> Create(
      const PartWriterOptions& options, const std::string& path,
      std::string_view tenant);
  ~PartWriter();  // removes the .tmp file unless Finish succeeded

  // Starts the entries of `stream`. REQUIRES: ids strictly ascending.
  absl::Status StartStream(uint64_t stream, std::string_view key);
  // REQUIRES: StartStream was called; entries of a stream arrive sorted by
  // (ts, line); without options.copy_entries, the entry's bytes stay valid
  // until Finish returns. The first error is sticky.
  absl::Status Add(const EntryView& entry);
  // Writes the last block, the tables and the footer, syncs, and renames the
  // file into place (then syncs the directory).
  absl::StatusOr<PartInfo> Finish();

 private:
  struct Run {
    uint64_t stream;
    int64_t min_ts, max_ts;
    uint32_t block, first, count, line_bytes;
  };
  // A block on its way: its entries (with trace table indexes), then its
  // payload and compressed bytes, built where FlushBlock sends it.
  struct PendingBlock {
    std::vector<std::pair<EntryView, int64_t>> entries;
    std::deque<std::string> copies;  // entries' bytes, with copy_entries
    size_t est_bytes = 0;            // payload size, about (used to cut blocks)
    BlockBuffer raw;  // the payload is raw[raw_offset, raw.size())
    size_t raw_offset = 0;
    RawBuffer stored;  // compressed bytes at the front
    size_t stored_size = 0;
    absl::Status status;
    bool done = false;
    std::string_view payload() const {
      return std::string_view(raw).substr(raw_offset);
    }
  };
  // What compression tasks touch: shared, so a task never outlives it.
  struct InFlight;
  // Blocks (and their buffers) left by finished writers, for the next ones.
  struct SparePool;
  static SparePool& Spares();
  // Distinct trace ids in the last part written.
  static std::atomic<uint32_t>& TraceHint();

  PartWriter(const PartWriterOptions& options, std::string path,
             std::string tenant, std::unique_ptr<WritableFile> file);
  absl::Status FlushBlock();
  // Builds b's payload from its entries and compresses it.
  static absl::Status Build(PendingBlock* b, BlockBuilder* builder,
                            BlockCompressor* compressor);
  std::unique_ptr<PendingBlock> NewBlock();
  // Writes compressed blocks in order until at most `keep` are in flight.
  absl::Status WriteBlocks(size_t keep);
  absl::Status WriteBlock(const PendingBlock& b);

  PartWriterOptions options_;
  std::string path_;
  std::string tenant_;
  std::unique_ptr<WritableFile> file_;
  std::string handles_;
  std::shared_ptr<InFlight> inflight_;
  std::unique_ptr<PendingBlock> cur_;                 // the block being filled
  std::vector<std::unique_ptr<PendingBlock>> spare_;  // buffers to reuse
  std::vector<Run> runs_;
  std::vector<std::pair<uint64_t, std::string>> streams_;
  // Distinct trace ids in order of first appearance, and their index.
  std::string trace_bytes_;  // varint len + bytes, per id
  // Keyed by the id's 64-bit hash (no allocation per id); the bytes are
  // compared against trace_loc_ so a hash collision only costs a probe.
  absl::flat_hash_map<uint64_t, uint32_t> trace_index_;
  std::vector<std::pair<uint32_t, uint32_t>> trace_loc_;  // offset, length
  uint32_t TraceIndex(std::string_view id);
  bool in_run_ = false;  // runs_.back() is open in the current block
  uint32_t num_blocks_ = 0;
  uint64_t entries_ = 0, line_bytes_ = 0;
  int64_t min_ts_ = INT64_MAX, max_ts_ = INT64_MIN;
  absl::Status status_;
  bool finished_ = false;
};

}  // namespace silt::store
