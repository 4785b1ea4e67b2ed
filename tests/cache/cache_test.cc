#include "cache/cache.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace adaptrt::cache {
namespace {

class FakeClock final : public Clock {
 public:
  std::int64_t NowNanos() const override {
    return now_.load(std::memory_order_relaxed);
  }
  void Advance(absl::Duration d) {
    now_.fetch_add(absl::ToInt64Nanoseconds(d), std::memory_order_relaxed);
  }

 private:
  std::atomic<std::int64_t> now_{1000};
};

CacheOptions<std::uint64_t, int> UnitOptions(std::size_t capacity,
                                             PolicyKind policy) {
  CacheOptions<std::uint64_t, int> options;
  options.capacity = capacity;
  options.policy = policy;
  options.shard_bits = 0;
  options.exact_access_order = true;
  options.weigher = [](const std::uint64_t&, const int&) { return 1; };
  return options;
}

TEST(CacheTest, PutGetEraseStringKeys) {
  CacheOptions<std::string, std::string> options;
  options.capacity = 1 << 20;
  auto cache = Cache<std::string, std::string>::Create(options);
  ASSERT_TRUE(cache.ok()) << cache.status();
  Cache<std::string, std::string>& c = **cache;
  EXPECT_EQ(c.Get("a"), nullptr);
  ASSERT_TRUE(c.Put("a", "alpha").ok());
  auto a = c.Get("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(*a, "alpha");
  EXPECT_TRUE(c.Contains("a"));
  EXPECT_TRUE(c.Erase("a"));
  EXPECT_FALSE(c.Erase("a"));
  EXPECT_EQ(c.Get("a"), nullptr);
  EXPECT_EQ(*a, "alpha");  // the held value survives the erase
  const CacheStats stats = c.Stats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 2u);
  EXPECT_EQ(stats.insertions, 1u);
  EXPECT_EQ(stats.erasures, 1u);
  EXPECT_EQ(stats.entries, 0u);
  EXPECT_EQ(stats.bytes, 0u);
}

TEST(CacheTest, LruEvictsLeastRecentlyUsedWithUnitCharge) {
  auto cache = Cache<std::uint64_t, int>::Create(UnitOptions(3, PolicyKind::kLru));
  ASSERT_TRUE(cache.ok());
  Cache<std::uint64_t, int>& c = **cache;
  for (std::uint64_t k : {1, 2, 3}) ASSERT_TRUE(c.Put(k, static_cast<int>(k)).ok());
  ASSERT_NE(c.Get(1), nullptr);  // 2 is now least recent
  ASSERT_TRUE(c.Put(4, 4).ok());
  EXPECT_FALSE(c.Contains(2));
  EXPECT_TRUE(c.Contains(1));
  EXPECT_TRUE(c.Contains(3));
  EXPECT_TRUE(c.Contains(4));
  auto v = c.GetOrCompute(5, [] { return 50; });
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(**v, 50);
  EXPECT_EQ(c.Stats().evictions, 2u);
}

}  // namespace
}  // namespace adaptrt::cache
