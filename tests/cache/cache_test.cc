#include "cache/cache.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <stdexcept>

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

// std::string keys are kept inline in the entry up to 31 bytes and on the
// heap beyond: every size round-trips through Put/Get/Read/Erase, and the
// eviction listener gets the key back intact.
TEST(CacheTest, StringKeysOfEverySizeRoundTripAndReachTheListener) {
  CacheOptions<std::string, int> options;
  options.capacity = 70;
  options.shard_bits = 0;
  options.weigher = [](const std::string&, const int&) { return 1; };
  std::vector<std::string> evicted;
  options.eviction_listener = [&evicted](const std::string& key,
                                         const std::shared_ptr<const int>&,
                                         std::size_t) {
    evicted.push_back(key);
  };
  auto c = *Cache<std::string, int>::Create(options);
  auto key_of = [](int n) {
    std::string key(static_cast<std::size_t>(n), 'k');
    for (int i = 0; i < n; ++i) key[i] = static_cast<char>('a' + (i * 7 + n) % 26);
    return key;
  };
  for (int n = 0; n < 70; ++n) ASSERT_TRUE(c->Put(key_of(n), n).ok());
  for (int n = 0; n < 70; ++n) {
    auto v = c->Get(key_of(n));
    ASSERT_NE(v, nullptr) << n;
    EXPECT_EQ(*v, n);
    int seen = -1;
    EXPECT_TRUE(c->Read(key_of(n), [&seen](const int& x) { seen = x; }));
    EXPECT_EQ(seen, n);
    EXPECT_FALSE(c->Contains(key_of(n) + "x"));
  }
  for (int n = 0; n < 70; n += 2) EXPECT_TRUE(c->Erase(key_of(n)));
  for (int n = 0; n < 70; ++n) EXPECT_EQ(c->Contains(key_of(n)), n % 2 == 1);
  ASSERT_TRUE(c->SetCapacity(1).ok());  // evicts all but one
  EXPECT_EQ(evicted.size(), 34u);
  for (const std::string& key : evicted) {
    const int n = static_cast<int>(key.size());
    EXPECT_EQ(key, key_of(n));
    EXPECT_EQ(n % 2, 1);
  }
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


using IntCache = Cache<std::uint64_t, int>;

std::unique_ptr<IntCache> MakeUnit(std::size_t capacity, PolicyKind policy,
                                   bool exact = true) {
  auto options = UnitOptions(capacity, policy);
  options.exact_access_order = exact;
  auto cache = IntCache::Create(options);
  EXPECT_TRUE(cache.ok()) << cache.status();
  return std::move(cache).value();
}

TEST(CacheTest, CreateRejectsBadOptions) {
  CacheOptions<std::uint64_t, int> options;
  options.capacity = 0;
  EXPECT_EQ(IntCache::Create(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.capacity = 10;
  options.shard_bits = 17;
  EXPECT_EQ(IntCache::Create(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.shard_bits = -2;
  EXPECT_FALSE(IntCache::Create(options).ok());
}

TEST(CacheTest, ShardCountFollowsCapacityLikeRocksDb) {
  CacheOptions<std::uint64_t, int> options;
  options.capacity = std::size_t{64} << 20;
  EXPECT_EQ((*IntCache::Create(options))->shard_count(), 64);
  options.capacity = std::size_t{1} << 20;
  EXPECT_EQ((*IntCache::Create(options))->shard_count(), 2);
  options.capacity = 1000;
  EXPECT_EQ((*IntCache::Create(options))->shard_count(), 1);
  options.shard_bits = 3;
  auto eight = *IntCache::Create(options);
  EXPECT_EQ(eight->shard_count(), 8);
  EXPECT_EQ(eight->max_entry_charge(), 125u);
}

TEST(CacheTest, DefaultWeigherChargesKeyValueAndOverhead) {
  CacheOptions<std::string, std::string> options;
  options.capacity = 1 << 20;
  options.shard_bits = 0;
  auto c = *Cache<std::string, std::string>::Create(options);
  const std::string big(100, 'x');
  const std::size_t expected = sizeof(std::string) + sizeof(std::string) +
                               big.capacity() + 1 +
                               Cache<std::string, std::string>::kEntryOverheadBytes;
  EXPECT_EQ(c->ChargeOf("k", big), expected);
  ASSERT_TRUE(c->Put("k", big).ok());
  EXPECT_EQ(c->Stats().bytes, expected);
  EXPECT_GT((Cache<std::string, std::string>::kEntryOverheadBytes), 32u);
}

TEST(CacheTest, OversizedPutIsRefusedAndErasesTheOldValue) {
  CacheOptions<std::uint64_t, int> options = UnitOptions(10, PolicyKind::kLru);
  options.weigher = [](const std::uint64_t&, const int& v) {
    return static_cast<std::size_t>(v);
  };
  auto c = *IntCache::Create(options);
  ASSERT_TRUE(c->Put(1, 5).ok());
  const absl::Status status = c->Put(1, 11);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(c->Contains(1));  // never serves the stale 5
  const CacheStats stats = c->Stats();
  EXPECT_EQ(stats.rejections, 1u);
  EXPECT_EQ(stats.erasures, 1u);
  EXPECT_EQ(stats.bytes, 0u);
  EXPECT_TRUE(c->Put(2, 10).ok());  // exactly the capacity fits
}

TEST(CacheTest, OverwriteServesNewValueWhileHoldersKeepTheOld) {
  auto c = MakeUnit(4, PolicyKind::kLru);
  ASSERT_TRUE(c->Put(1, 10).ok());
  std::shared_ptr<const int> old = c->Get(1);
  ASSERT_TRUE(c->Put(1, 20).ok());
  EXPECT_EQ(*old, 10);
  EXPECT_EQ(*c->Get(1), 20);
  const CacheStats stats = c->Stats();
  EXPECT_EQ(stats.insertions, 2u);
  EXPECT_EQ(stats.replacements, 1u);
  EXPECT_EQ(stats.entries, 1u);
  EXPECT_EQ(stats.bytes, 1u);
}

TEST(CacheTest, EvictedValueStaysValidForItsHolder) {
  auto c = MakeUnit(2, PolicyKind::kLru);
  ASSERT_TRUE(c->Put(1, 111).ok());
  std::shared_ptr<const int> held = c->Get(1);
  ASSERT_TRUE(c->Put(2, 2).ok());
  ASSERT_TRUE(c->Put(3, 3).ok());
  ASSERT_TRUE(c->Put(4, 4).ok());
  EXPECT_FALSE(c->Contains(1));
  EXPECT_EQ(*held, 111);
}

TEST(CacheTest, LossyModeAppliesBufferedHitsBeforeEvicting) {
  for (PolicyKind policy : {PolicyKind::kLru, PolicyKind::kLfu, PolicyKind::kArc}) {
    auto c = MakeUnit(3, policy, /*exact=*/false);
    for (std::uint64_t k : {1, 2, 3}) ASSERT_TRUE(c->Put(k, 0).ok());
    ASSERT_NE(c->Get(1), nullptr);  // buffered, not yet applied
    ASSERT_TRUE(c->Put(4, 0).ok());  // drains the buffer, then evicts
    EXPECT_TRUE(c->Contains(1)) << PolicyKindName(policy);
    EXPECT_FALSE(c->Contains(2)) << PolicyKindName(policy);
  }
}

// Buffered LRU with a shard over RefreshFilter::kMinEntries: hits on
// entries near the front are not recorded (refresh_filter.h) but still
// counted, and a hit on an entry at the back is recorded and protects it.
TEST(CacheTest, BufferedLruSkipsHitsNearTheFrontButCountsThemAndKeepsOrder) {
  constexpr std::uint64_t kEntries = 4096;  // one shard: window ~500
  auto c = MakeUnit(kEntries, PolicyKind::kLru, /*exact=*/false);
  for (std::uint64_t k = 0; k < kEntries; ++k) ASSERT_TRUE(c->Put(k, 0).ok());
  // The hundred newest, hit newest first: exact LRU would make
  // kEntries-100 the most recent of them and kEntries-1 the least.
  for (int round = 0; round < 10; ++round) {
    for (std::uint64_t k = kEntries; k-- > kEntries - 100;) {
      ASSERT_NE(c->Get(k), nullptr);
    }
  }
  ASSERT_NE(c->Get(0), nullptr);  // the least recent entry
  EXPECT_EQ(c->Stats().hits, 1001u);
  // Key 0's hit was recorded and is applied before the next eviction; the
  // hundred were in the front eighth, so their hits were skipped and they
  // kept their insertion order: the victims are 1..kEntries-101, then
  // kEntries-100 (exact LRU: kEntries-1).
  for (std::uint64_t k = kEntries; k < 2 * kEntries - 100; ++k) {
    ASSERT_TRUE(c->Put(k, 0).ok());
  }
  EXPECT_TRUE(c->Contains(0));
  EXPECT_FALSE(c->Contains(1));
  EXPECT_FALSE(c->Contains(kEntries - 101));
  EXPECT_FALSE(c->Contains(kEntries - 100));
  for (std::uint64_t k = kEntries - 99; k < kEntries; ++k) {
    EXPECT_TRUE(c->Contains(k)) << k;
  }
  EXPECT_EQ(c->Stats().entries, kEntries);
}

// The buffered mode's approximations (late application, refresh filter)
// cost LRU almost nothing on a skewed single-threaded trace.
TEST(CacheTest, BufferedLruHitRatioMatchesExactOnAZipfTrace) {
  constexpr std::size_t kCapacity = 2000;
  constexpr std::uint64_t kKeys = 20000;
  std::vector<double> cdf(kKeys);
  double sum = 0;
  for (std::uint64_t i = 0; i < kKeys; ++i) sum += 1.0 / std::pow(i + 1.0, 0.9);
  double acc = 0;
  for (std::uint64_t i = 0; i < kKeys; ++i) {
    acc += 1.0 / std::pow(i + 1.0, 0.9) / sum;
    cdf[i] = acc;
  }
  std::mt19937_64 rng(42);
  std::vector<std::uint64_t> trace(200000);
  for (auto& key : trace) {
    const double u = std::uniform_real_distribution<double>(0, 1)(rng);
    key = std::lower_bound(cdf.begin(), cdf.end(), u) - cdf.begin();
  }
  auto hit_ratio = [&](bool exact) {
    auto c = MakeUnit(kCapacity, PolicyKind::kLru, exact);
    std::size_t hits = 0;
    for (std::uint64_t key : trace) {
      if (c->Get(key) != nullptr) {
        ++hits;
      } else {
        EXPECT_TRUE(c->Put(key, 0).ok());
      }
    }
    return 100.0 * hits / trace.size();
  };
  const double exact = hit_ratio(true);
  const double buffered = hit_ratio(false);
  EXPECT_NEAR(buffered, exact, 0.25) << "exact " << exact << "%";
  std::printf("LRU hit ratio, exact %.4f%%, buffered %.4f%%\n", exact, buffered);
  EXPECT_GT(exact, 30.0);
}

TEST(CacheTest, ExactModeMatchesThePolicyOnARandomSequence) {
  // The cache's hit/miss sequence equals a bare policy's on the same trace.
  for (PolicyKind policy : {PolicyKind::kLru, PolicyKind::kLfu, PolicyKind::kArc}) {
    auto c = MakeUnit(20, policy);
    auto bare = NewPolicy(policy, 20);
    std::vector<std::unique_ptr<PolicyHook>> hooks(200);
    std::size_t resident = 0;
    std::uint64_t x = 12345;
    for (int i = 0; i < 20000; ++i) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      const std::uint64_t key = (x >> 33) % (i % 2 == 0 ? 30 : 200);
      const bool cache_hit = c->Get(key) != nullptr;
      if (!cache_hit) {
        ASSERT_TRUE(c->Put(key, 0).ok());
      }
      bool bare_hit = hooks[key] != nullptr;
      if (bare_hit) {
        bare->OnAccess(hooks[key].get());
      } else {
        hooks[key] = std::make_unique<PolicyHook>();
        hooks[key]->hash = key;
        bare->PrepareInsert(hooks[key].get());
        while (resident + 1 > 20) {
          PolicyHook* v = bare->Victim();
          bare->OnEvict(v);
          for (auto& h : hooks) {
            if (h.get() == v) h.reset();
          }
          --resident;
        }
        bare->OnInsert(hooks[key].get());
        ++resident;
      }
      // The cache hashes keys itself; only ARC's ghosts see hashes, and
      // distinct keys have distinct hashes either way.
      ASSERT_EQ(cache_hit, bare_hit) << PolicyKindName(policy) << " at " << i;
    }
  }
}

TEST(CacheTest, TtlExpiresWithAnInjectedClock) {
  FakeClock clock;
  CacheOptions<std::string, int> options;
  options.capacity = 1 << 20;
  options.clock = &clock;
  options.default_ttl = absl::Seconds(10);
  auto c = *Cache<std::string, int>::Create(options);
  ASSERT_TRUE(c->Put("default", 1).ok());
  ASSERT_TRUE(c->Put("short", 2, absl::Seconds(1)).ok());
  ASSERT_TRUE(c->Put("forever", 3, absl::InfiniteDuration()).ok());
  clock.Advance(absl::Milliseconds(999));
  EXPECT_NE(c->Get("short"), nullptr);
  clock.Advance(absl::Milliseconds(1));
  EXPECT_EQ(c->Get("short"), nullptr);
  EXPECT_FALSE(c->Contains("short"));
  EXPECT_TRUE(c->Contains("default"));
  clock.Advance(absl::Seconds(9));
  EXPECT_EQ(c->Get("default"), nullptr);
  EXPECT_NE(c->Get("forever"), nullptr);
  const CacheStats stats = c->Stats();
  EXPECT_EQ(stats.expirations, 2u);
  EXPECT_EQ(stats.entries, 1u);
  auto computed = c->GetOrCompute("short", [] { return 7; }, absl::Seconds(5));
  ASSERT_TRUE(computed.ok());
  EXPECT_EQ(**computed, 7);
  clock.Advance(absl::Seconds(5));
  EXPECT_FALSE(c->Contains("short"));
}

TEST(CacheTest, TtlExpiryInExactMode) {
  FakeClock clock;
  auto options = UnitOptions(10, PolicyKind::kArc);
  options.clock = &clock;
  auto c = *IntCache::Create(options);
  ASSERT_TRUE(c->Put(1, 1, absl::Seconds(1)).ok());
  EXPECT_NE(c->Get(1), nullptr);
  clock.Advance(absl::Seconds(2));
  EXPECT_EQ(c->Get(1), nullptr);
  EXPECT_EQ(c->Stats().expirations, 1u);
  EXPECT_EQ(c->Stats().entries, 0u);
}

TEST(CacheTest, GetOrComputeCachesValuesNotErrors) {
  auto c = MakeUnit(10, PolicyKind::kLru, /*exact=*/false);
  int calls = 0;
  auto fail = [&calls]() -> absl::StatusOr<int> {
    ++calls;
    return absl::UnavailableError("backend down");
  };
  auto r = c->GetOrCompute(1, fail);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(c->Contains(1));
  auto ok = [&calls]() -> absl::StatusOr<int> {
    ++calls;
    return 42;
  };
  r = c->GetOrCompute(1, ok);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(**r, 42);
  r = c->GetOrCompute(1, ok);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(calls, 2);
  const CacheStats stats = c->Stats();
  EXPECT_EQ(stats.misses, 2u);
  EXPECT_EQ(stats.hits, 1u);
}

TEST(CacheTest, GetOrComputeRethrowsAndDoesNotWedgeTheKey) {
  auto c = MakeUnit(10, PolicyKind::kLru);
  EXPECT_THROW(c->GetOrCompute(1, []() -> int { throw std::runtime_error("x"); }),
               std::runtime_error);
  auto r = c->GetOrCompute(1, [] { return 5; });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(**r, 5);
}

TEST(CacheTest, GetOrComputeReturnsButDoesNotCacheOversizedValues) {
  auto options = UnitOptions(10, PolicyKind::kLru);
  options.weigher = [](const std::uint64_t&, const int& v) {
    return static_cast<std::size_t>(v);
  };
  auto c = *IntCache::Create(options);
  auto r = c->GetOrCompute(1, [] { return 50; });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(**r, 50);
  EXPECT_FALSE(c->Contains(1));
}

TEST(CacheTest, SetCapacityShrinksAtOnceAndNotifiesTheListener) {
  std::vector<std::uint64_t> evicted;
  auto options = UnitOptions(10, PolicyKind::kLru);
  options.eviction_listener = [&evicted](const std::uint64_t& key,
                                         const std::shared_ptr<const int>& v,
                                         std::size_t charge) {
    EXPECT_EQ(*v, static_cast<int>(key) * 10);
    EXPECT_EQ(charge, 1u);
    evicted.push_back(key);
  };
  auto c = *IntCache::Create(options);
  for (std::uint64_t k = 0; k < 10; ++k) {
    ASSERT_TRUE(c->Put(k, static_cast<int>(k) * 10).ok());
  }
  ASSERT_TRUE(c->Erase(0));            // not an eviction
  ASSERT_TRUE(c->Put(1, 10).ok());     // overwrite: not an eviction
  EXPECT_TRUE(evicted.empty());
  ASSERT_TRUE(c->SetCapacity(4).ok());
  EXPECT_EQ(c->capacity(), 4u);
  EXPECT_EQ(c->Stats().entries, 4u);
  EXPECT_EQ(evicted, (std::vector<std::uint64_t>{2, 3, 4, 5, 6}));
  EXPECT_EQ(c->SetCapacity(0).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(c->SetCapacity(6).ok());
  for (std::uint64_t k = 20; k < 22; ++k) ASSERT_TRUE(c->Put(k, int(k) * 10).ok());
  EXPECT_EQ(c->Stats().entries, 6u);
  EXPECT_EQ(evicted.size(), 5u);
}

TEST(CacheTest, ListenerMayCallIntoCaches) {
  // The tiered pattern: an L1 victim is demoted into L2 from the listener.
  auto l2 = MakeUnit(100, PolicyKind::kLru, false);
  IntCache* l2_ptr = l2.get();
  auto options = UnitOptions(2, PolicyKind::kLru);
  options.exact_access_order = false;
  IntCache* l1_ptr = nullptr;
  options.eviction_listener = [l2_ptr, &l1_ptr](const std::uint64_t& key,
                                                const std::shared_ptr<const int>& v,
                                                std::size_t) {
    ASSERT_TRUE(l2_ptr->Put(key, *v).ok());
    EXPECT_FALSE(l1_ptr->Contains(key));  // and the same cache: no deadlock
  };
  auto l1 = *IntCache::Create(options);
  l1_ptr = l1.get();
  for (std::uint64_t k = 0; k < 5; ++k) ASSERT_TRUE(l1->Put(k, int(k)).ok());
  for (std::uint64_t k = 0; k < 3; ++k) EXPECT_EQ(*l2->Get(k), int(k));
}

TEST(CacheTest, ReadVisitsTheValueWithoutHandingItOut) {
  for (bool exact : {true, false}) {
    auto c = MakeUnit(3, PolicyKind::kLru, exact);
    for (std::uint64_t k : {1, 2, 3}) ASSERT_TRUE(c->Put(k, int(k) * 7).ok());
    int seen = 0;
    EXPECT_TRUE(c->Read(1, [&seen](const int& v) { seen = v; }));
    EXPECT_EQ(seen, 7);
    EXPECT_FALSE(c->Read(9, [&seen](const int&) { seen = -1; }));
    EXPECT_EQ(seen, 7);
    ASSERT_TRUE(c->Put(4, 28).ok());  // Read counted as a use of 1: 2 goes
    EXPECT_TRUE(c->Contains(1));
    EXPECT_FALSE(c->Contains(2));
    const CacheStats s = c->Stats();
    EXPECT_EQ(s.hits, 1u);
    EXPECT_EQ(s.misses, 1u);
  }
}

TEST(CacheTest, ExtractRemovesAndReturnsTheValue) {
  std::vector<std::uint64_t> evicted;
  auto options = UnitOptions(4, PolicyKind::kArc);
  options.eviction_listener = [&evicted](const std::uint64_t& k,
                                         const std::shared_ptr<const int>&,
                                         std::size_t) { evicted.push_back(k); };
  auto c = *IntCache::Create(options);
  ASSERT_TRUE(c->Put(5, 50).ok());
  std::shared_ptr<const int> v = c->Extract(5);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(*v, 50);
  EXPECT_FALSE(c->Contains(5));
  EXPECT_EQ(c->Extract(5), nullptr);
  EXPECT_TRUE(evicted.empty());
  const CacheStats s = c->Stats();
  EXPECT_EQ(s.erasures, 1u);
  EXPECT_EQ(s.entries, 0u);
}

TEST(CacheTest, FixedSizeArrayKeys) {
  using Key = std::array<char, 16>;
  Cache<Key, std::uint64_t>::Options options;
  options.capacity = 1 << 20;
  auto c = *Cache<Key, std::uint64_t>::Create(options);
  Key a{};
  a[0] = 'a';
  Key b = a;
  b[15] = 'b';
  ASSERT_TRUE(c->Put(a, 1).ok());
  ASSERT_TRUE(c->Put(b, 2).ok());
  EXPECT_EQ(*c->Get(a), 1u);
  EXPECT_EQ(*c->Get(b), 2u);
  const std::size_t expected = sizeof(Key) + sizeof(std::uint64_t) +
                               Cache<Key, std::uint64_t>::kEntryOverheadBytes;
  EXPECT_EQ(c->ChargeOf(a, 1), expected);
}

TEST(CacheTest, StatsAreConsistent) {
  auto c = MakeUnit(50, PolicyKind::kArc, false);
  std::uint64_t x = 7;
  for (int i = 0; i < 5000; ++i) {
    x = x * 6364136223846793005ull + 1;
    const std::uint64_t key = (x >> 40) % 120;
    switch ((x >> 20) % 4) {
      case 0:
        c->Erase(key);
        break;
      case 1:
        ASSERT_TRUE(c->Put(key, 1).ok());
        break;
      default:
        c->Get(key);
        break;
    }
  }
  const CacheStats s = c->Stats();
  EXPECT_EQ(s.insertions,
            s.entries + s.evictions + s.expirations + s.erasures + s.replacements);
  EXPECT_LE(s.bytes, 50u);
  EXPECT_EQ(s.bytes, s.entries);
  EXPECT_FALSE(s.ToString().empty());
}

TEST(CacheTest, PeekCountsNothingAndLeavesTheOrderAlone) {
  FakeClock clock;
  auto options = UnitOptions(2, PolicyKind::kLru);
  options.clock = &clock;
  auto c = *IntCache::Create(options);
  ASSERT_TRUE(c->Put(1, 10).ok());
  ASSERT_TRUE(c->Put(2, 20).ok());
  ASSERT_TRUE(c->Put(3, 30, absl::Seconds(1)).ok());  // evicts 1
  ASSERT_TRUE(c->Put(1, 10).ok());                    // evicts 2
  // 3 is least recent. A Peek must not make it more recent than 1.
  auto v = c->Peek(3);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(*v, 30);
  EXPECT_EQ(c->Peek(2), nullptr);
  CacheStats stats = c->Stats();
  EXPECT_EQ(stats.hits, 0u);
  EXPECT_EQ(stats.misses, 0u);
  ASSERT_TRUE(c->Put(4, 40).ok());  // evicts 3, not 1
  EXPECT_EQ(c->Peek(3), nullptr);
  EXPECT_NE(c->Peek(1), nullptr);
  // Expired: null, and left in place (no expiration counted).
  ASSERT_TRUE(c->Put(5, 50, absl::Seconds(1)).ok());  // evicts 1
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(c->Peek(5), nullptr);
  stats = c->Stats();
  EXPECT_EQ(stats.hits + stats.misses + stats.expirations, 0u);
  EXPECT_EQ(stats.entries, 2u);
}

TEST(CacheTest, PutIfAbsentInsertsOnlyWithoutALiveValue) {
  FakeClock clock;
  auto options = UnitOptions(2, PolicyKind::kLru);
  options.clock = &clock;
  auto c = *IntCache::Create(options);
  auto r = c->PutIfAbsent(1, 10);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(*r);
  ASSERT_TRUE(c->Put(2, 20).ok());
  r = c->PutIfAbsent(1, 11);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
  EXPECT_EQ(*c->Peek(1), 10);
  // The refused PutIfAbsent(1) did not make 1 more recent than 2: 1 goes.
  r = c->PutIfAbsent(3, 30, absl::Seconds(1));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(*r);
  EXPECT_FALSE(c->Contains(1));
  // An expired value counts as absent.
  clock.Advance(absl::Seconds(1));
  r = c->PutIfAbsent(3, 31);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(*r);
  EXPECT_EQ(*c->Peek(3), 31);
  const CacheStats stats = c->Stats();
  EXPECT_EQ(stats.insertions, 4u);
  EXPECT_EQ(stats.expirations, 1u);
  EXPECT_EQ(stats.replacements, 0u);
  EXPECT_EQ(stats.evictions, 1u);
  EXPECT_EQ(stats.hits + stats.misses, 0u);
}

TEST(CacheTest, PutIfAbsentRefusesOversizedEntries) {
  auto options = UnitOptions(4, PolicyKind::kLru);
  options.weigher = [](const std::uint64_t&, const int& v) {
    return static_cast<std::size_t>(v);
  };
  auto c = *IntCache::Create(options);
  auto r = c->PutIfAbsent(1, 5);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(c->Contains(1));
  ASSERT_TRUE(c->Put(2, 1).ok());
  r = c->PutIfAbsent(2, 5);  // present: not inserted, not an error
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
  EXPECT_EQ(*c->Peek(2), 1);
}

TEST(CacheTest, TtlListenerGetsTheVictimsRemainingTtl) {
  FakeClock clock;
  auto options = UnitOptions(2, PolicyKind::kLru);
  options.clock = &clock;
  struct Call {
    std::uint64_t key;
    int value;
    std::size_t charge;
    absl::Duration ttl;
  };
  std::vector<Call> calls;
  int plain_calls = 0;
  options.eviction_listener = [&plain_calls](const std::uint64_t&,
                                             const std::shared_ptr<const int>&,
                                             std::size_t) { ++plain_calls; };
  options.eviction_listener_with_ttl =
      [&calls](const std::uint64_t& k, const std::shared_ptr<const int>& v,
               std::size_t charge, absl::Duration ttl) {
        calls.push_back({k, *v, charge, ttl});
      };
  auto c = *IntCache::Create(options);
  ASSERT_TRUE(c->Put(1, 10, absl::Seconds(10)).ok());
  ASSERT_TRUE(c->Put(2, 20).ok());
  clock.Advance(absl::Seconds(3));
  ASSERT_TRUE(c->Put(3, 30).ok());  // evicts 1: 7 s left
  ASSERT_TRUE(c->Put(4, 40).ok());  // evicts 2: no TTL
  ASSERT_TRUE(c->Put(5, 50, absl::Seconds(1)).ok());  // evicts 3
  clock.Advance(absl::Seconds(2));
  ASSERT_TRUE(c->Put(6, 60).ok());  // evicts 4
  ASSERT_TRUE(c->Put(7, 70).ok());  // evicts 5, expired 1 s ago
  ASSERT_EQ(calls.size(), 5u);
  EXPECT_EQ(plain_calls, 5);
  EXPECT_EQ(calls[0].key, 1u);
  EXPECT_EQ(calls[0].value, 10);
  EXPECT_EQ(calls[0].charge, 1u);
  EXPECT_EQ(calls[0].ttl, absl::Seconds(7));
  EXPECT_EQ(calls[1].key, 2u);
  EXPECT_EQ(calls[1].ttl, absl::InfiniteDuration());
  EXPECT_EQ(calls[4].key, 5u);
  EXPECT_EQ(calls[4].ttl, absl::Seconds(-1));
  EXPECT_LE(calls[4].ttl, absl::ZeroDuration());
}

}  // namespace
}  // namespace adaptrt::cache
