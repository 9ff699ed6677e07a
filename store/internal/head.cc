#include "store/internal/head.h"

#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <new>

#include "store/internal/huge_pages.h"

namespace silt::store {

namespace {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Standard slabs of finished heads are kept for the next ones: a fresh
// chunk costs a page fault (and the kernel zeroing it) on first touch,
// which at ingest rates is more than the copy into it. Bounded so an idle
// silt gives memory back.
HugePagePool& ChunkPool() {
  static HugePagePool* pool =
      new HugePagePool(48 * Slab::kStandardBytes);  // 192 MiB
  return *pool;
}

// Entry vectors of finished heads, cleared, for the streams of later ones:
// a head reserves each stream's vector from the previous head's count, and
// taking one that already has the room costs neither the page faults of
// fresh memory nor the copies of growing. Bounded by capacity bytes.
class EntryVectorPool {
 public:
  static EntryVectorPool& Get() {
    static EntryVectorPool* pool = new EntryVectorPool();
    return *pool;
  }
  // A cleared vector with room for at least `want` entries (the smallest
  // such pooled one), or a new one reserved for `want`.
  std::vector<HeadEntry> Take(size_t want) {
    std::vector<HeadEntry> v;
    {
      std::lock_guard<std::mutex> l(mu_);
      auto it = free_.lower_bound(want);
      if (it != free_.end()) {
        v.swap(it->second);
        free_.erase(it);
        bytes_ -= v.capacity() * sizeof(HeadEntry);
      }
    }
    if (v.capacity() < want) v.reserve(want);
    return v;
  }
  void Give(std::vector<HeadEntry>&& v) {
    const size_t b = v.capacity() * sizeof(HeadEntry);
    if (b < kMinBytes) return;
    v.clear();
    std::lock_guard<std::mutex> l(mu_);
    if (bytes_ + b > kMaxBytes) return;
    bytes_ += b;
    free_.emplace(v.capacity(), std::move(v));
  }

 private:
  static constexpr size_t kMinBytes = 16 << 10;
  static constexpr size_t kMaxBytes = 32 << 20;
  std::mutex mu_;
  std::multimap<size_t, std::vector<HeadEntry>> free_;  // by capacity
  size_t bytes_ = 0;
};

}  // namespace

std::shared_ptr<Slab> Slab::Make(size_t min_bytes) {
  if (min_bytes <= kStandardBytes) {
    return std::shared_ptr<Slab>(new Slab(ChunkPool().Take(kStandardBytes),
                                          kStandardBytes, /*pooled=*/true));
  }
  char* p = static_cast<char*>(std::malloc(min_bytes));
  if (p == nullptr) throw std::bad_alloc();
  return std::shared_ptr<Slab>(new Slab(p, min_bytes, /*pooled=*/false));
}

Slab::~Slab() {
  if (pooled_) {
    ChunkPool().Give(data_, kStandardBytes);
  } else {
    std::free(data_);
  }
}

Head::Head() = default;

Head::Head(const Head* previous) {
  if (previous == nullptr) return;
  for (const auto& [tenant, streams] : previous->tenants_) {
    for (const auto& [id, s] : streams) {
      size_hints_[id] = static_cast<uint32_t>(s->entries.size());
    }
  }
}

Head::~Head() {
  for (auto& [tenant, streams] : tenants_) {
    for (auto& [id, s] : streams) {
      EntryVectorPool::Get().Give(std::move(s->entries));
    }
  }
}

Head::Stream* Head::GetStream(std::string_view tenant, uint64_t id,
                              std::string_view key, bool* created) {
  auto tit = tenants_.find(absl::string_view(tenant.data(), tenant.size()));
  if (tit == tenants_.end()) {
    tit = tenants_.emplace(std::string(tenant), TenantStreams()).first;
  }
  auto& slot = tit->second[id];
  *created = slot == nullptr;
  if (*created) {
    slot = std::make_unique<Stream>();
    slot->id = id;
    slot->key = std::string(key);
    auto hint = size_hints_.find(id);
    if (hint != size_hints_.end()) {
      // Heads are cut at about the same size, but a stream's share varies:
      // a quarter more than last time rarely has to grow. Rounded up to a
      // power of two, so the vector a stream gave back last time has the
      // room it wants now unless it grew past a power of two.
      const size_t want =
          std::bit_ceil<size_t>(hint->second + hint->second / 4 + 16);
      slot->entries = EntryVectorPool::Get().Take(want);
    }
    bytes_ += sizeof(Stream) + key.size();
  }
  return slot.get();
}

const Head::Stream* Head::FindStream(std::string_view tenant,
                                     uint64_t id) const {
  auto tit = tenants_.find(absl::string_view(tenant.data(), tenant.size()));
  if (tit == tenants_.end()) return nullptr;
  auto it = tit->second.find(id);
  return it == tit->second.end() ? nullptr : it->second.get();
}

void Head::Keep(std::shared_ptr<Slab> slab, size_t bytes) {
  bytes_ += bytes;
  if (slabs_.empty() || slabs_.back() != slab)
    slabs_.push_back(std::move(slab));
}

void Head::NoteFirstAppend() { first_append_ms_ = SteadyMs(); }

void Head::Add(Stream* stream, const EntryView& e) {
  const size_t n =
      e.line.size() + e.trace_id.size() + e.span_id.size() + e.metadata.size();
  char* p = nullptr;
  if (n > Slab::kStandardBytes / 4) {
    // A big entry gets a slab of its own so the current one's tail is not
    // wasted.
    auto big = Slab::Make(n);
    p = big->tail();
    big->Commit(n);
    slabs_.push_back(std::move(big));
    bytes_ += n;
  } else if (n > 0) {
    if (own_ == nullptr || own_->left() < n) {
      own_ = Slab::Make(n);
      slabs_.push_back(own_);
    }
    p = own_->tail();
    own_->Commit(n);
    bytes_ += n;
  }
  HeadEntry h;
  h.ts_ns = e.ts_ns;
  h.data = p;
  h.line_len = static_cast<uint32_t>(e.line.size());
  h.trace_len = static_cast<uint16_t>(e.trace_id.size());
  h.span_len = static_cast<uint16_t>(e.span_id.size());
  h.meta_len = static_cast<uint32_t>(e.metadata.size());
  // Empty views may have a null data(): memcpy must not see them.
  for (std::string_view part : {e.line, e.trace_id, e.span_id, e.metadata}) {
    if (part.empty()) continue;
    std::memcpy(p, part.data(), part.size());
    p += part.size();
  }
  AddShared(stream, h);
}

}  // namespace silt::store
