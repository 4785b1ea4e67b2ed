#include "cache/internal/entry_allocator.h"

#include <cstdlib>

#if defined(ADAPTRT_SYSTEM_ALLOCATOR)
#include <malloc.h>
#else
#include <mimalloc.h>
#endif

namespace adaptrt::cache_internal {

#if defined(ADAPTRT_SYSTEM_ALLOCATOR)

void* AllocateEntry(std::size_t bytes, std::size_t alignment) {
  void* ptr = nullptr;
  if (alignment <= alignof(std::max_align_t)) {
    ptr = std::malloc(bytes);
  } else if (posix_memalign(&ptr, alignment, bytes) != 0) {
    ptr = nullptr;
  }
  if (ptr == nullptr) throw std::bad_alloc();
  return ptr;
}

void FreeEntry(void* ptr, std::size_t /*bytes*/, std::size_t /*alignment*/) noexcept {
  std::free(ptr);
}

std::size_t AllocatedSize(const void* ptr) noexcept {
  return ptr == nullptr ? 0 : malloc_usable_size(const_cast<void*>(ptr));
}

std::string_view EntryAllocatorName() noexcept { return "system"; }

#else

void* AllocateEntry(std::size_t bytes, std::size_t alignment) {
  void* ptr = alignment <= alignof(std::max_align_t)
                  ? mi_malloc(bytes)
                  : mi_malloc_aligned(bytes, alignment);
  if (ptr == nullptr) throw std::bad_alloc();
  return ptr;
}

void FreeEntry(void* ptr, std::size_t bytes, std::size_t alignment) noexcept {
  if (alignment <= alignof(std::max_align_t)) {
    mi_free_size(ptr, bytes);
  } else {
    mi_free_size_aligned(ptr, bytes, alignment);
  }
}

std::size_t AllocatedSize(const void* ptr) noexcept {
  return ptr == nullptr ? 0 : mi_usable_size(ptr);
}

std::string_view EntryAllocatorName() noexcept { return "mimalloc"; }

#endif

}  // namespace adaptrt::cache_internal
