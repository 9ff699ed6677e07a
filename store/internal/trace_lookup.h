// The read side of Store::LookupTrace: the entries of one trace id in the
// parts (through each part's index: an in-memory filter, then the blocks
// that hold the id) and in the heads (entry by entry). Not thread-safe;
// one per lookup.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "store/internal/head.h"
#include "store/internal/part_reader.h"
#include "store/internal/read_pool.h"
#include "store/store.h"

namespace silt::store {

struct TraceCandidates {
  std::vector<std::shared_ptr<Head>> heads;  // kept alive for head_entries
  std::vector<std::shared_ptr<const PartReader>> parts;
  // (stream, entry) of head entries whose trace id has the id's length.
  std::vector<std::pair<uint64_t, HeadEntry>> head_entries;
};

// Appends the tenant's entries of `h` in [start, end) whose trace id is as
// long as `id` (cheap: no line bytes are read). REQUIRES: `h` is not
// changed meanwhile (the store's lock for the active head).
void CollectTraceCandidates(const Head& h, std::string_view tenant,
                            std::string_view id, int64_t start_ns,
                            int64_t end_ns,
                            std::vector<std::pair<uint64_t, HeadEntry>>* out);

// Calls fn for every entry of trace `id` in `c`, in (ts, stream, line)
// order, identical entries once; stops when fn returns false. Damaged
// blocks are skipped (logged, counted), as in a scan. Blocks are read on
// `pool`'s threads as well as the caller's (pool may be null).
absl::Status FindTrace(
    const TraceCandidates& c, std::string_view id, int64_t start_ns,
    int64_t end_ns, ReadPool* pool,
    const std::function<bool(uint64_t stream, const EntryView&)>& fn);

}  // namespace silt::store
