#include "store/internal/head.h"

#include <sys/mman.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>

namespace silt::store {

namespace {
constexpr size_t kChunkBytes = 4 << 20;
constexpr size_t kHugePage = 2 << 20;

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Chunks of finished heads are kept for the next ones: a fresh chunk costs
// a page fault per 4 KiB on first touch, which at ingest rates is more than
// the copy itself. Bounded so an idle silt gives memory back.
class ChunkPool {
 public:
  static ChunkPool& Get() {
    static ChunkPool* pool = new ChunkPool();
    return *pool;
  }
  Head::Chunk Take() {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (!free_.empty()) {
        auto c = std::move(free_.back());
        free_.pop_back();
        return c;
      }
    }
    // 2 MiB aligned and marked for transparent huge pages: first touch
    // then costs one fault per 2 MiB instead of one per 4 KiB.
    void* p = std::aligned_alloc(kHugePage, kChunkBytes);
    if (p == nullptr) throw std::bad_alloc();
    madvise(p, kChunkBytes, MADV_HUGEPAGE);
    return Head::Chunk(static_cast<char*>(p));
  }
  void Give(Head::Chunk c) {
    std::lock_guard<std::mutex> l(mu_);
    if (free_.size() < kMaxFree) free_.push_back(std::move(c));
  }

 private:
  static constexpr size_t kMaxFree = 48;  // 192 MiB
  std::mutex mu_;
  std::vector<Head::Chunk> free_;
};

}  // namespace

Head::Head() = default;

Head::~Head() {
  for (auto& c : chunks_) ChunkPool::Get().Give(std::move(c));
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

char* Head::Allocate(size_t n) {
  if (n > left_) {
    // Big entries get a chunk of their own so the current chunk's tail is
    // not wasted.
    if (n > kChunkBytes / 4) {
      big_chunks_.emplace_back(new char[n]);
      bytes_ += n;
      return big_chunks_.back().get();
    }
    chunks_.push_back(ChunkPool::Get().Take());
    cur_ = chunks_.back().get();
    left_ = kChunkBytes;
  }
  char* p = cur_;
  cur_ += n;
  left_ -= n;
  bytes_ += n;
  return p;
}

void Head::Add(Stream* stream, const EntryView& e) {
  const size_t n =
      e.line.size() + e.trace_id.size() + e.span_id.size() + e.metadata.size();
  char* p = n ? Allocate(n) : nullptr;
  HeadEntry h;
  h.ts_ns = e.ts_ns;
  h.data = p;
  h.line_len = static_cast<uint32_t>(e.line.size());
  h.trace_len = static_cast<uint16_t>(e.trace_id.size());
  h.span_len = static_cast<uint16_t>(e.span_id.size());
  h.meta_len = static_cast<uint32_t>(e.metadata.size());
  if (n) {
    // Empty views may have a null data(): memcpy must not see them.
    for (std::string_view part : {e.line, e.trace_id, e.span_id, e.metadata}) {
      if (part.empty()) continue;
      std::memcpy(p, part.data(), part.size());
      p += part.size();
    }
  }
  stream->entries.push_back(h);
  bytes_ += sizeof(HeadEntry);
  if (entries_++ == 0) first_append_ms_ = SteadyMs();
}

}  // namespace silt::store
