#include "store/internal/entry_memory.h"

#include <bit>
#include <cstdlib>
#include <new>

#include "store/internal/huge_pages.h"

namespace silt::store {

static_assert(SizeClassArena::kChunk == kHugePageBytes);
static_assert(SizeClassArena::kMinBlock << 7 == SizeClassArena::kChunk);

SizeClassArena::~SizeClassArena() {
  for (char* c : chunks_) UnmapHugePages(c, kChunk);
}

SizeClassArena& SizeClassArena::Entries() {
  static SizeClassArena* arena = new SizeClassArena();
  return *arena;
}

void* AllocateEntryBytes(size_t bytes) {
  return SizeClassArena::Entries().Allocate(bytes);
}

void FreeEntryBytes(void* p, size_t bytes) {
  SizeClassArena::Entries().Deallocate(p, bytes);
}

int SizeClassArena::ClassOf(size_t bytes) {
  if (bytes < kMinBlock) return -1;
  if (bytes > kChunk) return kClasses;
  return std::bit_width(std::bit_ceil(bytes) / kMinBlock) - 1;
}

void SizeClassArena::PutFree(char* p, size_t bytes) {
  // `bytes` is a multiple of kMinBlock: split it into class-sized pieces.
  for (int c = kClasses - 1; c >= 0 && bytes > 0; --c) {
    const size_t size = kMinBlock << c;
    while (bytes >= size) {
      free_[c].push_back(p);
      p += size;
      bytes -= size;
    }
  }
}

void* SizeClassArena::Allocate(size_t bytes) {
  const int c = ClassOf(bytes);
  if (c < 0) {
    void* p = std::malloc(bytes == 0 ? 1 : bytes);
    if (p == nullptr) throw std::bad_alloc();
    return p;
  }
  if (c == kClasses) return MapHugePages(bytes);
  const size_t size = kMinBlock << c;
  std::lock_guard<std::mutex> l(mu_);
  if (!free_[c].empty()) {
    char* p = free_[c].back();
    free_[c].pop_back();
    return p;
  }
  if (cur_ == nullptr || kChunk - cur_used_ < size) {
    if (cur_ != nullptr) PutFree(cur_ + cur_used_, kChunk - cur_used_);
    cur_ = MapHugePages(kChunk);
    chunks_.push_back(cur_);
    cur_used_ = 0;
  }
  char* p = cur_ + cur_used_;
  cur_used_ += size;
  return p;
}

void SizeClassArena::Deallocate(void* p, size_t bytes) {
  const int c = ClassOf(bytes);
  if (c < 0) {
    std::free(p);
  } else if (c == kClasses) {
    UnmapHugePages(p, bytes);
  } else {
    std::lock_guard<std::mutex> l(mu_);
    free_[c].push_back(static_cast<char*>(p));
  }
}

}  // namespace silt::store
