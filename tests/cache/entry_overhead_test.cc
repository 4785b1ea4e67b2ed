// Measures the cache's own memory per entry (entry block as the allocator
// rounds it + index slots), beyond the key and value bytes, and reports it.
// docs/cache.md quotes the numbers this test prints.

#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/strings/str_format.h"
#include "cache/cache.h"
#include "cache/internal/entry_allocator.h"
#include "gtest/gtest.h"

namespace adaptrt::cache {
namespace {

template <typename K, typename V>
double OverheadPerEntry(std::size_t n, std::size_t payload) {
  typename Cache<K, V>::Options options;
  options.capacity = std::size_t{1} << 34;
  options.shard_bits = 4;
  auto cache = *Cache<K, V>::Create(options);
  for (std::size_t i = 0; i < n; ++i) {
    if constexpr (std::is_same_v<K, std::string>) {
      EXPECT_TRUE(cache->Put(absl::StrFormat("key%012d", i), V{}).ok());
    } else {
      EXPECT_TRUE(cache->Put(static_cast<K>(i), V{}).ok());
    }
  }
  EXPECT_EQ(cache->Stats().entries, n);
  const double per_entry =
      static_cast<double>(cache->ApproximateMemoryUsage()) / static_cast<double>(n);
  return per_entry - static_cast<double>(payload);
}

TEST(EntryOverheadTest, ReportsBytesPerEntry) {
  for (std::size_t n : {100000u, 150000u}) {
    const double ints = OverheadPerEntry<std::uint64_t, std::uint64_t>(n, 16);
    const double strings = OverheadPerEntry<std::string, std::uint64_t>(
        n, sizeof(std::string) + 8);
    std::printf(
        "allocator=%s entries=%zu overhead_bytes_per_entry: "
        "uint64->uint64 %.1f (block %zu requested), "
        "string(15)->uint64 %.1f; default weigher charges %zu / %zu\n",
        std::string(cache_internal::EntryAllocatorName()).c_str(), n, ints,
        Cache<std::uint64_t, std::uint64_t>::kEntryBlockBytes, strings,
        Cache<std::uint64_t, std::uint64_t>::kEntryOverheadBytes,
        Cache<std::string, std::uint64_t>::kEntryOverheadBytes);
    RecordProperty(absl::StrFormat("overhead_u64_%d", n), absl::StrFormat("%.1f", ints));
    // Sanity: our structures cost something, and not absurdly much.
    EXPECT_GT(ints, 40.0);
    EXPECT_LT(ints, 160.0);
    EXPECT_LT(strings, 160.0);
  }
}

}  // namespace
}  // namespace adaptrt::cache
