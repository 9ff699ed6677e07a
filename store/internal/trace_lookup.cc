#include "store/internal/trace_lookup.h"

#include <algorithm>
#include <atomic>
#include <string>

#include "common/log.h"
#include "common/metrics.h"
#include "store/internal/block.h"
#include "store/internal/part_index.h"
#include "xxhash.h"

namespace silt::store {
namespace {

struct Hit {
  uint64_t stream;
  int64_t ts;
  std::string line, trace, span, metadata;
};

// The stream of entry `i` of `block`: the run that holds it.
uint64_t StreamOf(const PartReader& part, uint32_t block, uint32_t i) {
  for (const PartReader::Run& r : part.runs()) {
    if (r.block == block && i >= r.first && i < r.first + r.count) {
      return r.stream;
    }
  }
  return 0;
}

// The blocks of `part` that may hold trace `id` (false: none).
bool BlocksOf(const PartReader& part, std::string_view id, uint64_t hash,
              std::vector<uint32_t>* blocks) {
  std::shared_ptr<const PartIndex> index = part.index();
  if (index != nullptr) {
    if (!index->MayHaveTrace(hash)) return false;
    auto found = index->TraceBlocks(hash);
    if (found.ok()) {
      *blocks = *std::move(found);
      return !blocks->empty();
    }
    LogWarn("store: damaged part index; reading the part in full",
            {{"error", std::string(found.status().message())}});
  }
  // No index yet: the trace table says whether the part has the id at
  // all; if so every block is a candidate.
  auto table = part.Traces();
  if (!table.ok()) return false;
  const auto& ids = (*table)->ids;
  if (std::find(ids.begin(), ids.end(), id) == ids.end()) return false;
  for (uint32_t b = 0; b < part.num_blocks(); ++b) blocks->push_back(b);
  return true;
}

// Appends the entries of trace `id` in block `b` of `part`.
void FromBlock(const PartReader& part, uint32_t b, std::string_view id,
               int64_t start_ns, int64_t end_ns, DecodedBlock* block,
               std::vector<Hit>* out) {
  Metrics().blocks_read.With({}).Inc();
  absl::Status s = part.ReadBlock(b, block);
  if (!s.ok()) {
    LogError("store: skipping damaged block",
             {{"error", std::string(s.message())}});
    if (absl::IsDataLoss(s)) Metrics().corruptions.With({"block"}).Inc();
    return;
  }
  for (uint32_t i = 0; i < block->size(); ++i) {
    const int64_t ts = block->ts(i);
    if (ts < start_ns || ts >= end_ns) continue;
    if (block->trace_id(i) != id) continue;  // before rebuilding the line
    EntryView v = block->entry(i);
    out->push_back(Hit{StreamOf(part, b, i), ts, std::string(v.line),
                       std::string(v.trace_id), std::string(v.span_id),
                       std::string(v.metadata)});
  }
}

}  // namespace

void CollectTraceCandidates(const Head& h, std::string_view tenant,
                            std::string_view id, int64_t start_ns,
                            int64_t end_ns,
                            std::vector<std::pair<uint64_t, HeadEntry>>* out) {
  auto it = h.tenants().find(absl::string_view(tenant.data(), tenant.size()));
  if (it == h.tenants().end()) return;
  for (const auto& [sid, stream] : it->second) {
    for (const HeadEntry& e : stream->entries) {
      if (e.trace_len == id.size() && e.ts_ns >= start_ns && e.ts_ns < end_ns) {
        out->emplace_back(sid, e);
      }
    }
  }
}

absl::Status FindTrace(
    const TraceCandidates& c, std::string_view id, int64_t start_ns,
    int64_t end_ns, ReadPool* pool,
    const std::function<bool(uint64_t stream, const EntryView&)>& fn) {
  if (id.empty()) return absl::OkStatus();
  std::vector<Hit> hits;
  for (const auto& [stream, e] : c.head_entries) {
    EntryView v = e.view();
    if (v.trace_id != id) continue;
    hits.push_back(Hit{stream, v.ts_ns, std::string(v.line),
                       std::string(v.trace_id), std::string(v.span_id),
                       std::string(v.metadata)});
  }
  const uint64_t hash = XXH3_64bits(id.data(), id.size());
  // The blocks to read, across every part; then read on the pool's
  // threads too (each block is a zstd frame of ~1 MiB: most of the time).
  std::vector<std::pair<const PartReader*, uint32_t>> todo;
  std::vector<uint32_t> blocks;
  for (const auto& p : c.parts) {
    if (p->max_ts() < start_ns || p->min_ts() >= end_ns) continue;
    blocks.clear();
    if (!BlocksOf(*p, id, hash, &blocks)) continue;
    for (uint32_t b : blocks) todo.emplace_back(p.get(), b);
  }
  const int workers =
      pool == nullptr
          ? 1
          : static_cast<int>(std::min<size_t>(pool->size() + 1, todo.size()));
  std::vector<std::vector<Hit>> found(std::max(workers, 1));
  std::atomic<size_t> next{0};
  auto work = [&](int w) {
    std::shared_ptr<DecodedBlock> block = NewDecodedBlock();
    for (size_t k; (k = next.fetch_add(1)) < todo.size();) {
      FromBlock(*todo[k].first, todo[k].second, id, start_ns, end_ns,
                block.get(), &found[w]);
    }
  };
  if (workers > 1) {
    pool->RunAll(workers, work);
  } else {
    work(0);
  }
  for (auto& f : found) {
    for (Hit& h : f) hits.push_back(std::move(h));
  }
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    if (a.ts != b.ts) return a.ts < b.ts;
    if (a.stream != b.stream) return a.stream < b.stream;
    return a.line < b.line;
  });
  const Hit* prev = nullptr;
  for (const Hit& h : hits) {
    // Identical entries (redelivered after a crash) come once.
    if (prev != nullptr && prev->ts == h.ts && prev->stream == h.stream &&
        prev->line == h.line) {
      continue;
    }
    prev = &h;
    EntryView v;
    v.ts_ns = h.ts;
    v.line = h.line;
    v.trace_id = h.trace;
    v.span_id = h.span;
    v.metadata = h.metadata;
    if (!fn(h.stream, v)) break;
  }
  return absl::OkStatus();
}

}  // namespace silt::store
