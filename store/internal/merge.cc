#include "store/internal/merge.h"

#include <algorithm>
#include <string>

#include "common/find.h"
#include "common/log.h"
#include "common/metrics.h"
#include "store/internal/grams.h"
#include "store/internal/part_index.h"

namespace silt::store {

namespace {
// Planned blocks in flight are about one per part; beyond this many a
// block is decoded again rather than kept (memory: ~2 MiB each).
constexpr size_t kCacheSlots = 32;

// One source of the merge. Either positioned on an entry, or (parts only)
// a placeholder for a run not read yet, keyed by its bound timestamp.
struct Cursor {
  // Head source.
  const std::vector<HeadEntry>* head = nullptr;
  size_t hpos = 0;  // forward: next index; backward: index + 1
  // Part source.
  const PartReader* part = nullptr;
  const PartReader::Run* run = nullptr;  // current run
  const PartReader::Run* runs_begin = nullptr;
  const PartReader::Run* runs_end = nullptr;
  std::shared_ptr<const DecodedBlock> block;
  uint32_t bpos = 0;  // entry index in block
  bool placeholder = false;

  int64_t ts = 0;
  std::string_view line;
};

class Merger {
 public:
  Merger(const ScanOptions& o, const LineFilter& filter, int worker,
         BlockCache* cache)
      : o_(o),
        back_(o.backward),
        filter_(filter),
        report_(!filter.empty() && o.progress != nullptr),
        worker_(worker),
        cache_(cache) {}

  // False once options.progress asked to stop.
  bool going() const { return going_; }
  void Report(uint64_t entries, uint64_t bytes) {
    if (report_ && going_ && !o_.progress(worker_, entries, bytes)) {
      going_ = false;
    }
  }

  // True if a should come out before b.
  bool Before(const Cursor* a, const Cursor* b) const {
    if (a->ts != b->ts) return back_ ? a->ts > b->ts : a->ts < b->ts;
    // A run not read yet may hold an entry equal to b's: read it first so
    // duplicates meet in the heap.
    if (a->placeholder != b->placeholder) return a->placeholder;
    return back_ ? a->line > b->line : a->line < b->line;
  }

  bool InRange(int64_t ts) const { return ts >= o_.start_ns && ts < o_.end_ns; }

  // Positions a head cursor on its next entry that passes the filter;
  // false if none is left.
  bool HeadSettle(Cursor* c) {
    const auto& v = *c->head;
    while (true) {
      if (back_ ? c->hpos == 0 : c->hpos >= v.size()) return false;
      const HeadEntry& e = v[back_ ? c->hpos - 1 : c->hpos];
      Report(1, e.line_len);
      if (filter_.empty() || (going_ && filter_.Keeps(e.line()))) {
        c->ts = e.ts_ns;
        c->line = e.line();
        return true;
      }
      if (back_) {
        --c->hpos;
      } else {
        ++c->hpos;
      }
    }
  }

  // True when no entry of run `r` can be wanted any more (bound_ns).
  bool PastBound(const PartReader::Run* r) const {
    if (o_.bound_ns == nullptr) return false;
    const int64_t b = o_.bound_ns->load(std::memory_order_relaxed);
    return back_ ? r->max_ts < b : r->min_ts > b;
  }

  // Makes `c` a placeholder for run `c->run`, or moves to the next run in
  // scan order that overlaps the range. False when no run is left.
  bool PartPlaceholder(Cursor* c) {
    while (c->run != nullptr) {
      const auto* r = c->run;
      // A stream's runs are in time order: once one is past the bound, so
      // are the rest.
      if (PastBound(r)) return false;
      if (r->max_ts >= o_.start_ns && r->min_ts < o_.end_ns) {
        c->placeholder = true;
        c->block.reset();
        c->ts = back_ ? r->max_ts : r->min_ts;
        c->line = {};
        return true;
      }
      NextRun(c);
    }
    return false;
  }

  void NextRun(Cursor* c) {
    if (back_) {
      c->run = c->run == c->runs_begin ? nullptr : c->run - 1;
    } else {
      c->run = c->run + 1 == c->runs_end ? nullptr : c->run + 1;
    }
  }

  // Reads the placeholder's run and positions on its first entry in range.
  // False when the cursor is exhausted.
  bool PartLoad(Cursor* c) {
    c->placeholder = false;
    const auto* r = c->run;
    if (PastBound(r)) return false;
    if (!filter_.grams.empty() && !BlockMayMatch(c->part, r->block)) {
      NextRun(c);
      return PartPlaceholder(c);
    }
    c->block = cache_->Get(c->part, r->block);
    Report(r->count, r->line_bytes);
    if (!going_) c->block.reset();
    // A damaged block (null) or a run that does not fit it: skip the run.
    if (c->block != nullptr && r->count > 0 &&
        r->first + r->count <= c->block->size()) {
      c->bpos = back_ ? r->first + r->count - 1 : r->first;
      if (PartSettle(c)) return true;
    }
    NextRun(c);
    return PartPlaceholder(c);
  }

  // Skips out-of-range entries from bpos within the current run; false if
  // the run has none left.
  bool PartSettle(Cursor* c) {
    const auto* r = c->run;
    const DecodedBlock& b = *c->block;
    while (c->bpos >= r->first && c->bpos < r->first + r->count) {
      int64_t ts = b.ts(c->bpos);
      if (InRange(ts) && (filter_.empty() || filter_.Keeps(b.line(c->bpos)))) {
        c->ts = ts;
        c->line = b.line(c->bpos);
        return true;
      }
      // Sorted: past the range in scan direction means the run is done.
      if (back_ ? ts < o_.start_ns : ts >= o_.end_ns) return false;
      if (back_) {
        if (c->bpos == 0) return false;
        --c->bpos;
      } else {
        ++c->bpos;
      }
    }
    return false;
  }

  // Advances past the current entry. False when the cursor is exhausted.
  bool Advance(Cursor* c) {
    if (c->head != nullptr) {
      if (back_) {
        --c->hpos;
      } else {
        ++c->hpos;
      }
      return HeadSettle(c);
    }
    if (back_) {
      if (c->bpos == 0) {
        c->bpos = UINT32_MAX;  // out of every run
      } else {
        --c->bpos;
      }
    } else {
      ++c->bpos;
    }
    if (PartSettle(c)) return true;
    NextRun(c);
    return PartPlaceholder(c);
  }

  EntryView View(const Cursor* c) const {
    if (c->head != nullptr) {
      return (*c->head)[back_ ? c->hpos - 1 : c->hpos].view();
    }
    return c->block->entry(c->bpos);
  }

  // The part index's filter for the block, if the part has an index.
  bool BlockMayMatch(const PartReader* part, uint32_t block) {
    std::shared_ptr<const PartIndex> index = part->index();
    if (index == nullptr || index->BlockMayContain(block, filter_.grams)) {
      return true;
    }
    if (part != last_skipped_part_ || block != last_skipped_block_) {
      last_skipped_part_ = part;
      last_skipped_block_ = block;
      Metrics().blocks_skipped.With({}).Inc();
    }
    return false;
  }

  const ScanOptions& o_;
  const bool back_;
  const LineFilter& filter_;
  const bool report_;
  const int worker_;
  bool going_ = true;
  BlockCache* cache_;
  const PartReader* last_skipped_part_ = nullptr;
  uint32_t last_skipped_block_ = 0;
};
}  // namespace

bool LineFilter::Keeps(std::string_view line) const {
  for (const std::string& l : literals) {
    if (FindSubstring(line, l) == nullptr) return false;
  }
  return true;
}

LineFilter MakeLineFilter(const std::vector<std::string>& must_contain) {
  LineFilter f;
  for (const std::string& l : must_contain) {
    if (l.empty()) continue;
    f.literals.push_back(l);
    for (uint32_t g : LiteralGrams(l)) f.grams.push_back(g);
  }
  std::sort(f.grams.begin(), f.grams.end());
  f.grams.erase(std::unique(f.grams.begin(), f.grams.end()), f.grams.end());
  return f;
}

std::shared_ptr<const DecodedBlock> BlockCache::Get(const PartReader* part,
                                                    uint32_t block) {
  // Planned reads left after this one (-1: not planned).
  int left = -1;
  if (auto it = plan_.find({part, block}); it != plan_.end()) {
    left = --it->second;
    if (left <= 0) plan_.erase(it);
  }
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].part == part && slots_[i].block == block) {
      auto d = slots_[i].decoded;
      if (left == 0) {
        slots_.erase(slots_.begin() + i);
      } else if (i + 1 != slots_.size()) {
        Slot s = slots_[i];
        slots_.erase(slots_.begin() + i);
        slots_.push_back(std::move(s));
      }
      return d;
    }
  }
  std::shared_ptr<DecodedBlock> d = NewDecodedBlock();
  Metrics().blocks_read.With({}).Inc();
  absl::Status s = part->ReadBlock(block, d.get());
  if (!s.ok()) {
    LogError("store: skipping damaged block",
             {{"error", std::string(s.message())}});
    if (absl::IsDataLoss(s)) Metrics().corruptions.With({"block"}).Inc();
    d.reset();
  }
  if (left == 0) return d;  // its last planned read
  // Full: drop the least recent unplanned block, else the least recent.
  if (slots_.size() >= kCacheSlots) {
    auto victim = std::find_if(slots_.begin(), slots_.end(),
                               [](const Slot& s) { return !s.planned; });
    slots_.erase(victim != slots_.end() ? victim : slots_.begin());
  }
  slots_.push_back(Slot{part, block, d, left > 0});
  return d;
}

namespace {
bool HeadEntryLess(const HeadEntry& a, const HeadEntry& b) {
  if (a.ts_ns != b.ts_ns) return a.ts_ns < b.ts_ns;
  return a.line() < b.line();
}
}  // namespace

void SortHeadEntries(std::vector<HeadEntry>* entries) {
  std::vector<HeadEntry>& v = *entries;
  const bool by_ts = std::is_sorted(
      v.begin(), v.end(),
      [](const HeadEntry& a, const HeadEntry& b) { return a.ts_ns < b.ts_ns; });
  if (!by_ts) {
    // Mostly in order, with some late entries: keep the entries in order
    // with what came before them, sort the late ones (few) and merge.
    thread_local std::vector<HeadEntry> late, out;
    late.clear();
    size_t kept = 0;
    for (size_t i = 0; i < v.size(); ++i) {
      if (kept == 0 || !HeadEntryLess(v[i], v[kept - 1])) {
        v[kept++] = v[i];
      } else {
        late.push_back(v[i]);
      }
    }
    std::sort(late.begin(), late.end(), HeadEntryLess);
    out.resize(v.size());
    std::merge(v.begin(), v.begin() + kept, late.begin(), late.end(),
               out.begin(), HeadEntryLess);
    v.swap(out);
    if (late.capacity() > (1u << 20)) late = {};  // keep little memory idle
    if (out.capacity() > (1u << 20)) out = {};
    return;
  }
  // Entries mostly arrive in time order: then only the runs of equal
  // timestamps need their lines put in order (reading no other line).
  for (size_t i = 0; i < v.size();) {
    size_t j = i + 1;
    while (j < v.size() && v[j].ts_ns == v[i].ts_ns) ++j;
    if (j - i > 1) {
      std::sort(v.begin() + i, v.begin() + j,
                [](const HeadEntry& a, const HeadEntry& b) {
                  return a.line() < b.line();
                });
    }
    i = j;
  }
}

bool HeadEntriesSorted(std::span<const HeadEntry> entries) {
  // Equal timestamps need the lines compared; distinct ones only the ts.
  for (size_t i = 1; i < entries.size(); ++i) {
    const HeadEntry& a = entries[i - 1];
    const HeadEntry& b = entries[i];
    if (a.ts_ns < b.ts_ns) continue;
    if (a.ts_ns > b.ts_ns || HeadEntryLess(b, a)) return false;
  }
  return true;
}

bool MergeStream(uint64_t stream, const std::vector<HeadEntry>& head,
                 const std::vector<const PartReader*>& parts,
                 const ScanOptions& options, const LineFilter& filter,
                 int worker, BlockCache* cache,
                 const std::function<bool(uint64_t, const EntryView&)>& fn) {
  Merger m(options, filter, worker, cache);
  std::vector<Cursor> cursors;
  cursors.reserve(parts.size() + 1);
  if (!head.empty()) {
    Cursor c;
    c.head = &head;
    c.hpos = options.backward ? head.size() : 0;
    if (m.HeadSettle(&c)) cursors.push_back(c);
  }
  for (const PartReader* p : parts) {
    auto [b, e] = p->RunsOf(stream);
    if (b == e) continue;
    Cursor c;
    c.part = p;
    c.runs_begin = b;
    c.runs_end = e;
    c.run = options.backward ? e - 1 : b;
    if (m.PartPlaceholder(&c)) cursors.push_back(std::move(c));
  }
  // std heap functions keep the "largest" on top: invert Before.
  std::vector<Cursor*> heap;
  for (auto& c : cursors) heap.push_back(&c);
  auto cmp = [&m](const Cursor* a, const Cursor* b) { return m.Before(b, a); };
  std::make_heap(heap.begin(), heap.end(), cmp);

  bool have_last = false;
  int64_t last_ts = 0;
  // The last line returned, for dropping identical entries; its block is
  // held so the view stays valid (head entries outlive the scan).
  std::string_view last_line;
  std::shared_ptr<const DecodedBlock> last_block;
  while (!heap.empty() && m.going()) {
    std::pop_heap(heap.begin(), heap.end(), cmp);
    Cursor* c = heap.back();
    heap.pop_back();
    bool alive;
    if (c->placeholder) {
      alive = m.PartLoad(c);
    } else {
      if (!(have_last && c->ts == last_ts && c->line == last_line)) {
        have_last = true;
        last_ts = c->ts;
        last_line = c->line;
        if (last_block != c->block) last_block = c->block;
        if (!fn(stream, m.View(c))) return true;
      }
      alive = m.Advance(c);
    }
    if (alive) {
      heap.push_back(c);
      std::push_heap(heap.begin(), heap.end(), cmp);
    }
  }
  return m.going();
}

}  // namespace silt::store
