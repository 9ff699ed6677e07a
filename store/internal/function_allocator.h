// A standard allocator over two process-wide functions, without state: for
// containers whose memory comes from a pool of their own (block buffers,
// head entry vectors).
#pragma once

#include <cstddef>

namespace silt::store {

template <typename T, void* (*Allocate)(size_t), void (*Free)(void*, size_t)>
struct FunctionAllocator {
  using value_type = T;
  template <typename U>
  struct rebind {
    using other = FunctionAllocator<U, Allocate, Free>;
  };
  FunctionAllocator() = default;
  template <typename U>
  FunctionAllocator(const FunctionAllocator<U, Allocate, Free>&) {}
  T* allocate(size_t n) { return static_cast<T*>(Allocate(n * sizeof(T))); }
  void deallocate(T* p, size_t n) { Free(p, n * sizeof(T)); }
  bool operator==(const FunctionAllocator&) const { return true; }
  bool operator!=(const FunctionAllocator&) const { return false; }
};

}  // namespace silt::store
