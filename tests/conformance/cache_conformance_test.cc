// The contract of Cache<K, V> in every layout: each policy, in exact and in
// lossy (read-buffer) access mode, with one shard and with several.

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "cache/cache.h"
#include "gtest/gtest.h"

namespace adaptrt::cache {
namespace {

template <PolicyKind kPolicy, bool kExact, int kShardBits>
struct Layout {
  static constexpr PolicyKind policy = kPolicy;
  static constexpr bool exact = kExact;
  static constexpr int shard_bits = kShardBits;
};

template <typename L>
class CacheConformanceTest : public ::testing::Test {
 protected:
  using TestCache = Cache<std::uint64_t, std::string>;
  std::unique_ptr<TestCache> Make(std::size_t capacity,
                                  std::vector<std::uint64_t>* evicted = nullptr) {
    TestCache::Options options;
    options.capacity = capacity;
    options.policy = L::policy;
    options.exact_access_order = L::exact;
    options.shard_bits = L::shard_bits;
    options.weigher = [](const std::uint64_t&, const std::string& v) {
      return v.size();
    };
    if (evicted != nullptr) {
      options.eviction_listener = [evicted](const std::uint64_t& k,
                                            const std::shared_ptr<const std::string>&,
                                            std::size_t) { evicted->push_back(k); };
    }
    return std::move(TestCache::Create(options)).value();
  }
};

using Layouts = ::testing::Types<
    Layout<PolicyKind::kLru, true, 0>, Layout<PolicyKind::kLru, false, 0>,
    Layout<PolicyKind::kLru, false, 3>, Layout<PolicyKind::kLfu, true, 0>,
    Layout<PolicyKind::kLfu, false, 3>, Layout<PolicyKind::kArc, true, 0>,
    Layout<PolicyKind::kArc, false, 0>, Layout<PolicyKind::kArc, false, 3>>;
TYPED_TEST_SUITE(CacheConformanceTest, Layouts);

TYPED_TEST(CacheConformanceTest, PutGetEraseRoundTrip) {
  auto c = this->Make(8000);
  for (std::uint64_t k = 0; k < 50; ++k) {
    ASSERT_TRUE(c->Put(k, std::string(10, static_cast<char>('a' + k % 26))).ok());
  }
  for (std::uint64_t k = 0; k < 50; ++k) {
    auto v = c->Get(k);
    ASSERT_NE(v, nullptr) << k;
    EXPECT_EQ(*v, std::string(10, static_cast<char>('a' + k % 26)));
  }
  EXPECT_TRUE(c->Erase(7));
  EXPECT_EQ(c->Get(7), nullptr);
  const CacheStats s = c->Stats();
  EXPECT_EQ(s.entries, 49u);
  EXPECT_EQ(s.bytes, 490u);
  EXPECT_EQ(s.hits, 50u);
  EXPECT_EQ(s.misses, 1u);
}

TYPED_TEST(CacheConformanceTest, ChargeNeverExceedsCapacityAndStatsAddUp) {
  std::vector<std::uint64_t> evicted;
  auto c = this->Make(4000, &evicted);
  std::mt19937_64 rng(11);
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t key = rng() % 400;
    const int op = static_cast<int>(rng() % 10);
    if (op < 5) {
      if (c->Get(key) == nullptr) {
        ASSERT_TRUE(c->Put(key, std::string(1 + key % 100, 'x')).ok());
      }
    } else if (op < 9) {
      ASSERT_TRUE(c->Put(key, std::string(1 + rng() % 200, 'y')).ok());
    } else {
      c->Erase(key);
    }
    ASSERT_LE(c->Stats().bytes, 4000u);
  }
  const CacheStats s = c->Stats();
  EXPECT_EQ(s.insertions,
            s.entries + s.evictions + s.expirations + s.erasures + s.replacements);
  EXPECT_EQ(evicted.size(), s.evictions);
  EXPECT_GT(s.evictions, 0u);
}

TYPED_TEST(CacheConformanceTest, OversizedEntriesAreRefused) {
  auto c = this->Make(1024);
  const std::size_t limit = c->max_entry_charge();
  EXPECT_EQ(limit, 1024u >> TypeParam::shard_bits);
  EXPECT_TRUE(c->Put(1, std::string(limit, 'a')).ok());
  EXPECT_EQ(c->Put(2, std::string(limit + 1, 'b')).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(c->Stats().rejections, 1u);
}

TYPED_TEST(CacheConformanceTest, HeldValuesOutliveEvictionAndShrink) {
  auto c = this->Make(1000);
  std::vector<std::shared_ptr<const std::string>> held;
  for (std::uint64_t k = 0; k < 10; ++k) {
    ASSERT_TRUE(c->Put(k, std::string(50, static_cast<char>('0' + k))).ok());
    held.push_back(c->Get(k));
  }
  ASSERT_TRUE(c->SetCapacity(8).ok());
  EXPECT_EQ(c->Stats().entries, 0u);
  for (std::uint64_t k = 0; k < 10; ++k) {
    EXPECT_EQ(*held[k], std::string(50, static_cast<char>('0' + k)));
  }
}

TYPED_TEST(CacheConformanceTest, AHotKeySurvivesAScan) {
  // Hit between every scan miss: every policy keeps the hot key, in every
  // access mode (the read buffer is drained before each eviction).
  auto c = this->Make(64 << TypeParam::shard_bits);
  ASSERT_TRUE(c->Put(1u << 30, std::string(8, 'h')).ok());
  for (std::uint64_t k = 0; k < 2000; ++k) {
    ASSERT_NE(c->Get(1u << 30), nullptr) << "after " << k << " scan keys";
    ASSERT_TRUE(c->Put(k, std::string(8, 's')).ok());
  }
}

}  // namespace
}  // namespace adaptrt::cache
