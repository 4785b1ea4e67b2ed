#include "cache/internal/entry_allocator.h"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

#if !defined(ADAPTRT_SYSTEM_ALLOCATOR)
#include <mimalloc.h>
#endif

namespace adaptrt::cache_internal {
namespace {

TEST(EntryAllocatorTest, NameMatchesBuildSwitch) {
#if defined(ADAPTRT_SYSTEM_ALLOCATOR)
  EXPECT_EQ(EntryAllocatorName(), "system");
#else
  EXPECT_EQ(EntryAllocatorName(), "mimalloc");
#endif
}

// Linking the cache must not replace the host's malloc: Debian's libmimalloc
// exports malloc/free too, and only our entries may come from mimalloc.
TEST(EntryAllocatorTest, HostMallocIsNotReplaced) {
#if defined(ADAPTRT_SYSTEM_ALLOCATOR)
  GTEST_SKIP() << "system allocator build: mimalloc is not linked";
#else
  void* host = std::malloc(64);
  auto* host_new = new std::string(100, 'x');  // operator new, heap buffer too
  void* entry = AllocateEntry(64);
  EXPECT_FALSE(mi_is_in_heap_region(host)) << "malloc() was served by mimalloc";
  EXPECT_FALSE(mi_is_in_heap_region(host_new)) << "operator new was served by mimalloc";
  EXPECT_FALSE(mi_is_in_heap_region(host_new->data()));
  EXPECT_TRUE(mi_is_in_heap_region(entry));
  std::free(host);
  delete host_new;
  FreeEntry(entry, 64);
#endif
}

TEST(EntryAllocatorTest, ReservesAtLeastTheRequestedBytes) {
  for (std::size_t bytes : {1u, 7u, 16u, 24u, 100u, 4096u, 1u << 20}) {
    void* ptr = AllocateEntry(bytes);
    ASSERT_NE(ptr, nullptr);
    EXPECT_GE(AllocatedSize(ptr), bytes);
    std::memset(ptr, 0xab, bytes);  // The whole request is writable.
    FreeEntry(ptr, bytes);
  }
  EXPECT_EQ(AllocatedSize(nullptr), 0u);
  FreeEntry(nullptr, 8);  // Freeing null is a no-op.
}

TEST(EntryAllocatorTest, HonoursOverAlignment) {
  for (std::size_t alignment : {32u, 64u, 256u, 4096u}) {
    void* ptr = AllocateEntry(48, alignment);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(ptr) % alignment, 0u) << alignment;
    FreeEntry(ptr, 48, alignment);
  }
}

struct alignas(64) PaddedCounter {
  std::int64_t value = 0;
};

TEST(EntryAllocatorTest, WorksAsStandardAllocator) {
  std::vector<PaddedCounter, EntryAllocator<PaddedCounter>> counters(100);
  for (auto& counter : counters) {
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(&counter) % 64, 0u);
  }
  auto shared = std::allocate_shared<std::string>(EntryAllocator<std::string>(),
                                                  std::string(200, 'x'));
  EXPECT_EQ(shared->size(), 200u);
  EXPECT_TRUE(EntryAllocator<int>() == EntryAllocator<double>());
}

// Entries are allocated on one thread and freed on another (a reader drops the
// last reference to an evicted value): the allocator must allow it.
TEST(EntryAllocatorTest, CrossThreadFreeUnderContention) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20000;
  std::vector<std::vector<std::uint64_t*>> made(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &made] {
      made[t].reserve(kPerThread);
      for (int i = 0; i < kPerThread; ++i) {
        auto* value = static_cast<std::uint64_t*>(AllocateEntry(sizeof(std::uint64_t) * (1 + i % 8)));
        *value = static_cast<std::uint64_t>(t) << 32 | static_cast<std::uint64_t>(i);
        made[t].push_back(value);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  threads.clear();
  std::atomic<int> mismatches{0};
  for (int t = 0; t < kThreads; ++t) {
    // Thread t frees what thread (t + 1) % kThreads made, checking contents.
    threads.emplace_back([t, &made, &mismatches] {
      const int owner = (t + 1) % kThreads;
      for (int i = 0; i < kPerThread; ++i) {
        std::uint64_t* value = made[owner][i];
        if (*value != (static_cast<std::uint64_t>(owner) << 32 | static_cast<std::uint64_t>(i))) {
          mismatches.fetch_add(1, std::memory_order_relaxed);
        }
        FreeEntry(value, sizeof(std::uint64_t) * (1 + i % 8));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace adaptrt::cache_internal
