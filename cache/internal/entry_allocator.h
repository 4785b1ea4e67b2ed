// entry_allocator.h: where cache entry memory comes from.
//
// Entries are allocated from mimalloc (small-object heaps with thread-local free
// lists, much less fragmentation under entry churn than glibc malloc). Builds
// with `--define=adaptrt_allocator=system` (set by --config=asan and
// --config=tsan) use the system allocator instead, so that sanitizers see and
// check every allocation.
//
// Thread-safety: thread-safe; memory may be freed on a thread other than the
//                one that allocated it.
// Complexity:    O(1) expected per call.
// Ownership:     the caller owns what AllocateEntry returns and releases it
//                with FreeEntry, passing the same size and alignment.
// Errors:        allocation failure throws std::bad_alloc (like operator new);
//                callers at our API edge convert it to absl::Status.

#ifndef ADAPTRT_CACHE_INTERNAL_ENTRY_ALLOCATOR_H_
#define ADAPTRT_CACHE_INTERNAL_ENTRY_ALLOCATOR_H_

#include <cstddef>
#include <new>
#include <string_view>

namespace adaptrt::cache_internal {

// Allocates `bytes` bytes aligned to `alignment` (a power of two).
// REQUIRES: bytes > 0; alignment is a power of two.
void* AllocateEntry(std::size_t bytes,
                    std::size_t alignment = alignof(std::max_align_t));

// Releases memory from AllocateEntry. `ptr` may be null.
// REQUIRES: `bytes` and `alignment` are the values passed to AllocateEntry.
void FreeEntry(void* ptr, std::size_t bytes,
               std::size_t alignment = alignof(std::max_align_t)) noexcept;

// The bytes actually reserved for `ptr` (>= the requested size): what an
// entry really costs, used to report our per-entry overhead.
std::size_t AllocatedSize(const void* ptr) noexcept;

// "mimalloc" or "system": which allocator this build uses.
std::string_view EntryAllocatorName() noexcept;

// A standard allocator over AllocateEntry/FreeEntry, for containers and
// std::allocate_shared. Stateless: all instances compare equal.
template <typename T>
class EntryAllocator {
 public:
  using value_type = T;

  EntryAllocator() noexcept = default;
  template <typename U>
  EntryAllocator(const EntryAllocator<U>&) noexcept {}  // NOLINT(runtime/explicit)

  T* allocate(std::size_t n) {
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(AllocateEntry(n * sizeof(T), alignof(T)));
  }
  void deallocate(T* ptr, std::size_t n) noexcept {
    FreeEntry(ptr, n * sizeof(T), alignof(T));
  }

  template <typename U>
  bool operator==(const EntryAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace adaptrt::cache_internal

#endif  // ADAPTRT_CACHE_INTERNAL_ENTRY_ALLOCATOR_H_
