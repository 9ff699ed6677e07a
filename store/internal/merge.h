// The read side of Scan for one stream: a k-way merge of the head's entries
// and each part's runs, in (ts, line) order (reversed for backward scans),
// with identical (ts, line) entries returned once. Part runs are opened
// lazily: until a run is needed it sits in the merge heap keyed by its
// min_ts (max_ts backward), so a scan that stops early decodes few blocks.
// Not thread-safe; one per Scan call.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "store/internal/block.h"
#include "store/internal/head.h"
#include "store/internal/part_reader.h"
#include "store/store.h"

namespace silt::store {

// Decoded blocks of one scan, so streams sharing a block decode it once.
// A damaged block is logged and counted once, then remembered as missing.
// Streams are merged one after the other, each across every part, so a
// block shared by neighbouring streams is needed again only after a visit
// to each other part: Plan() says how many runs will read a block, which
// is then kept until the last of them has (and dropped at once after).
// Blocks not planned are kept in a small LRU.
class BlockCache {
 public:
  // One more run will Get() this block.
  void Plan(const PartReader* part, uint32_t block) { ++plan_[{part, block}]; }
  std::shared_ptr<const DecodedBlock> Get(const PartReader* part,
                                          uint32_t block);

 private:
  struct Slot {
    const PartReader* part;
    uint32_t block;
    std::shared_ptr<const DecodedBlock> decoded;  // null: damaged
    bool planned;
  };
  std::vector<Slot> slots_;  // most recent last
  absl::flat_hash_map<std::pair<const PartReader*, uint32_t>, int> plan_;
};

// ScanOptions::must_contain, prepared once per scan: the literals and the
// grams a block filter must hold for a block to be read.
struct LineFilter {
  std::vector<std::string> literals;
  std::vector<uint32_t> grams;
  bool empty() const { return literals.empty(); }
  bool Keeps(std::string_view line) const;
};
LineFilter MakeLineFilter(const std::vector<std::string>& must_contain);

// Calls fn(stream, entry) for the entries of `stream` in options' range
// whose lines pass `filter`. `head` holds the stream's head entries, sorted
// by (ts, line) ascending and already restricted to the range. Blocks the
// part index rules out are not read. Returns when fn returns false or the
// entries run out.
// `worker` is passed to options.progress. Returns false if progress asked
// to stop.
bool MergeStream(uint64_t stream, const std::vector<HeadEntry>& head,
                 const std::vector<const PartReader*>& parts,
                 const ScanOptions& options, const LineFilter& filter,
                 int worker, BlockCache* cache,
                 const std::function<bool(uint64_t, const EntryView&)>& fn);

// Sorts head entries by (ts, line), as MergeStream wants them.
void SortHeadEntries(std::vector<HeadEntry>* entries);
// True if the entries are already in (ts, line) order.
bool HeadEntriesSorted(std::span<const HeadEntry> entries);

}  // namespace silt::store
