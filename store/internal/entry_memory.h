// Memory for the entry vectors of heads (store/internal/head.h). A head's
// entry vectors are megabytes filled once per head; from malloc they are
// 4 KiB pages, each first touch a fault of its own. Here blocks of 16 KiB
// and up are power-of-two sizes carved from huge-page chunks and kept on
// per-size free lists when given back, so a later head's vectors land on
// memory already faulted in, and fresh memory comes 2 MiB per fault.
#pragma once

#include <cstddef>
#include <mutex>
#include <vector>

#include "store/internal/function_allocator.h"

namespace silt::store {

class SizeClassArena {
 public:
  static constexpr size_t kMinBlock = 16 << 10;  // smaller: malloc
  static constexpr size_t kChunk = 2 << 20;      // larger: own mapping

  SizeClassArena() = default;
  // Unmaps its chunks: every block must have been given back.
  ~SizeClassArena();
  SizeClassArena(const SizeClassArena&) = delete;
  SizeClassArena& operator=(const SizeClassArena&) = delete;

  // At least `bytes` bytes, 16-byte aligned. Throws std::bad_alloc.
  void* Allocate(size_t bytes);
  // Gives back what Allocate(bytes) returned.
  void Deallocate(void* p, size_t bytes);

  // The process-wide arena the entry vectors use. Blocks are not split or
  // merged once carved, and chunks are never unmapped: it holds at most the
  // sum, over block sizes, of the most the vectors held of that size at
  // once (plus one chunk being carved).
  static SizeClassArena& Entries();

 private:
  static constexpr int kClasses = 8;  // 16 KiB ... 2 MiB
  static int ClassOf(size_t bytes);   // -1: malloc; kClasses: own mapping
  void PutFree(char* p, size_t bytes);

  std::mutex mu_;
  std::vector<char*> free_[kClasses];
  std::vector<char*> chunks_;
  char* cur_ = nullptr;  // the chunk being carved
  size_t cur_used_ = 0;
};

// SizeClassArena::Entries().Allocate / Deallocate.
void* AllocateEntryBytes(size_t bytes);
void FreeEntryBytes(void* p, size_t bytes);

template <typename T>
using EntryAllocator = FunctionAllocator<T, AllocateEntryBytes, FreeEntryBytes>;

}  // namespace silt::store
