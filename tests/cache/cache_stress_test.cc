// Concurrency stress tests of Cache<K, V>, with invariant checks. Tagged
// "concurrency": CI reruns them under --config=tsan and --config=asan, with
// iteration counts scaled down there (the checks stay the same).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "cache/cache.h"
#include "gtest/gtest.h"
#include "tests/util/sanitizer.h"

namespace adaptrt::cache {
namespace {

constexpr int kScale = adaptrt::testing::SanitizerScaled(4, 1);

constexpr int kThreads = 4;

// A value that can check itself: every field derives from (key, version).
struct Value {
  std::uint64_t key = 0;
  std::uint64_t version = 0;
  std::uint64_t check = 0;
  std::string payload;
  static Value Make(std::uint64_t key, std::uint64_t version) {
    Value v;
    v.key = key;
    v.version = version;
    v.check = key * 0x9e3779b97f4a7c15ull ^ version;
    v.payload.assign(16 + key % 64, static_cast<char>('a' + key % 26));
    return v;
  }
  bool Intact(std::uint64_t expected_key) const {
    return key == expected_key && check == (key * 0x9e3779b97f4a7c15ull ^ version) &&
           payload.size() == 16 + key % 64 &&
           std::all_of(payload.begin(), payload.end(),
                       [this](char c) { return c == static_cast<char>('a' + key % 26); });
  }
};

using StressCache = Cache<std::uint64_t, Value>;

class CacheStressTest : public ::testing::TestWithParam<PolicyKind> {};

INSTANTIATE_TEST_SUITE_P(Policies, CacheStressTest,
                         ::testing::Values(PolicyKind::kLru, PolicyKind::kLfu,
                                           PolicyKind::kArc),
                         [](const auto& info) {
                           return std::string(PolicyKindName(info.param));
                         });

TEST_P(CacheStressTest, MixedOperationsKeepEveryInvariant) {
  constexpr std::size_t kBig = 64 << 10;
  constexpr std::size_t kSmall = 16 << 10;
  std::atomic<std::uint64_t> listener_calls{0};
  StressCache::Options options;
  options.capacity = kBig;
  options.policy = GetParam();
  options.shard_bits = 2;
  options.eviction_listener = [&listener_calls](const std::uint64_t& key,
                                                const std::shared_ptr<const Value>& v,
                                                std::size_t charge) {
    EXPECT_TRUE(v->Intact(key));
    EXPECT_GT(charge, 0u);
    listener_calls.fetch_add(1, std::memory_order_relaxed);
  };
  auto cache = *StressCache::Create(options);

  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> versions{1};
  std::atomic<std::uint64_t> bad_values{0};
  std::atomic<std::uint64_t> over_capacity{0};
  std::atomic<std::uint64_t> computes{0};

  auto worker = [&](int id) {
    std::mt19937_64 rng(id * 7919 + 1);
    std::vector<std::shared_ptr<const Value>> held;
    const int ops = 20000 * kScale;
    for (int i = 0; i < ops; ++i) {
      const std::uint64_t key = rng() % 1500;
      switch (rng() % 10) {
        case 0:
        case 1:
        case 2: {
          absl::Status s = cache->Put(
              key, Value::Make(key, versions.fetch_add(1, std::memory_order_relaxed)));
          if (!s.ok()) bad_values.fetch_add(1);
          break;
        }
        case 3:
          if (i % 2 == 0) {
            cache->Erase(key);
          } else if (auto v = cache->Extract(key); v != nullptr && !v->Intact(key)) {
            bad_values.fetch_add(1);
          }
          break;
        case 4: {
          auto v = cache->GetOrCompute(key, [&] {
            computes.fetch_add(1, std::memory_order_relaxed);
            return Value::Make(key, 0);
          });
          if (!v.ok() || !(*v)->Intact(key)) bad_values.fetch_add(1);
          break;
        }
        default: {
          std::shared_ptr<const Value> v = cache->Get(key);
          if (v != nullptr) {
            if (!v->Intact(key)) bad_values.fetch_add(1);
            if (held.size() < 64) {
              held.push_back(std::move(v));
            } else {
              held[rng() % held.size()] = std::move(v);
            }
          }
          break;
        }
      }
      if (i % 256 == 0) {
        // A held value never changes or dies, whatever happened to its key.
        for (const auto& h : held) {
          if (!h->Intact(h->key)) bad_values.fetch_add(1);
        }
      }
    }
  };

  // Resizes between kBig and kSmall; after each shrink returns, the total
  // charge stays within the new capacity until the next resize.
  std::thread resizer([&] {
    int round = 0;
    while (!stop.load()) {
      const bool shrink = round++ % 2 == 0;
      ASSERT_TRUE(cache->SetCapacity(shrink ? kSmall : kBig).ok());
      for (int i = 0; i < 50 && !stop.load(); ++i) {
        const CacheStats s = cache->Stats();
        if (s.bytes > (shrink ? kSmall : kBig)) over_capacity.fetch_add(1);
        std::this_thread::yield();
      }
    }
  });
  std::thread monitor([&] {
    while (!stop.load()) {
      if (cache->Stats().bytes > kBig) over_capacity.fetch_add(1);
      std::this_thread::yield();
    }
  });

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(worker, t);
  for (auto& t : threads) t.join();
  stop.store(true);
  resizer.join();
  monitor.join();

  EXPECT_EQ(bad_values.load(), 0u);
  EXPECT_EQ(over_capacity.load(), 0u);
  const CacheStats s = cache->Stats();
  EXPECT_LE(s.bytes, s.capacity);
  EXPECT_EQ(s.insertions,
            s.entries + s.evictions + s.expirations + s.erasures + s.replacements)
      << s.ToString();
  EXPECT_EQ(listener_calls.load(), s.evictions);
  EXPECT_GT(s.hits, 0u);
  EXPECT_GT(s.evictions, 0u);
}

TEST_P(CacheStressTest, SingleFlightRunsTheComputationOnce) {
  StressCache::Options options;
  options.capacity = 1 << 20;
  options.policy = GetParam();
  auto cache = *StressCache::Create(options);
  constexpr int kKeys = 20;
  std::vector<std::atomic<int>> calls(kKeys);
  for (int round = 0; round < kKeys; ++round) {
    std::atomic<int> arrived{0};
    std::vector<std::shared_ptr<const Value>> got(kThreads * 2);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads * 2; ++t) {
      threads.emplace_back([&, t] {
        arrived.fetch_add(1);
        while (arrived.load() < kThreads * 2) std::this_thread::yield();
        auto v = cache->GetOrCompute(round, [&] {
          calls[round].fetch_add(1);
          // Long enough that the others arrive while it runs.
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
          return Value::Make(round, 1);
        });
        ASSERT_TRUE(v.ok());
        got[t] = *v;
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(calls[round].load(), 1) << "key " << round;
    for (const auto& v : got) {
      ASSERT_NE(v, nullptr);
      EXPECT_EQ(v.get(), got[0].get());  // everyone shares the one value
      EXPECT_TRUE(v->Intact(round));
    }
  }
}

TEST(CacheStressTest, FailedFlightReachesEveryWaiterAndIsNotCached) {
  StressCache::Options options;
  options.capacity = 1 << 20;
  auto cache = *StressCache::Create(options);
  std::atomic<int> calls{0};
  std::atomic<int> arrived{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      arrived.fetch_add(1);
      while (arrived.load() < kThreads) std::this_thread::yield();
      auto v = cache->GetOrCompute(7, [&]() -> absl::StatusOr<Value> {
        calls.fetch_add(1);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        return absl::UnavailableError("down");
      });
      if (v.status().code() == absl::StatusCode::kUnavailable) errors.fetch_add(1);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), kThreads);
  EXPECT_LE(calls.load(), kThreads);
  EXPECT_GE(calls.load(), 1);
  EXPECT_FALSE(cache->Contains(7));
}

TEST(CacheStressTest, LruHitsTheRefreshFilterSkipsStayCountedAndSafe) {
  // Shards of 2048 entries, so the refresh filter skips hits near the front
  // (refresh_filter.h): readers read skewed keys while a writer churns and
  // a resizer shrinks the shards below the filter's minimum and back. Hits
  // and misses, counted in per-thread stripes, must add up exactly.
  constexpr std::size_t kBig = 4096, kSmall = 384;
  constexpr std::uint64_t kKeys = 6000;
  StressCache::Options options;
  options.capacity = kBig;
  options.policy = PolicyKind::kLru;
  options.shard_bits = 1;
  options.weigher = [](const std::uint64_t&, const Value&) { return 1; };
  auto cache = *StressCache::Create(options);
  for (std::uint64_t k = 0; k < kBig; ++k) {
    ASSERT_TRUE(cache->Put(k, Value::Make(k, 0)).ok());
  }
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> hits{0}, bad_values{0}, over_capacity{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(t + 11);
      std::uniform_real_distribution<double> unit(0, std::log(double{kKeys}));
      std::uint64_t mine = 0;
      for (int i = 0; i < 100000 * kScale; ++i) {
        const auto key = static_cast<std::uint64_t>(std::exp(unit(rng))) - 1;
        if (i % 2 == 0) {
          auto v = cache->Get(key);
          if (v != nullptr) {
            ++mine;
            if (!v->Intact(key)) bad_values.fetch_add(1);
          }
        } else if (cache->Read(key, [&](const Value& v) {
                     if (!v.Intact(key)) bad_values.fetch_add(1);
                   })) {
          ++mine;
        }
      }
      hits.fetch_add(mine);
    });
  }
  std::thread writer([&] {
    std::mt19937_64 rng(3);
    for (std::uint64_t version = 1; !stop.load(); ++version) {
      const std::uint64_t key = rng() % kKeys;
      if (version % 10 == 0) {
        cache->Erase(key);
      } else if (!cache->Put(key, Value::Make(key, version)).ok()) {
        bad_values.fetch_add(1);
      }
    }
  });
  std::thread resizer([&] {
    for (int round = 0; !stop.load(); ++round) {
      const std::size_t capacity = round % 2 == 0 ? kSmall : kBig;
      ASSERT_TRUE(cache->SetCapacity(capacity).ok());
      if (cache->Stats().bytes > capacity) over_capacity.fetch_add(1);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  for (auto& t : threads) t.join();
  stop.store(true);
  writer.join();
  resizer.join();
  EXPECT_EQ(bad_values.load(), 0u);
  EXPECT_EQ(over_capacity.load(), 0u);
  const CacheStats s = cache->Stats();
  EXPECT_EQ(s.hits, hits.load()) << s.ToString();
  // Every other read missed, and each miss is counted in its reader's
  // stripe: the sum over stripes is exact.
  EXPECT_EQ(s.misses, 2u * 100000 * kScale - hits.load()) << s.ToString();
  EXPECT_GT(s.hits, 0u);
  EXPECT_LE(s.bytes, s.capacity);
}

TEST(CacheStressTest, ExactModeReadCallsItsVisitorWheneverItReportsAHit) {
  // Read's exact-mode miss path looks the key up again under the writer
  // lock; a value put between the two holds is a hit, and the visitor must
  // then see it (it once returned true without calling the visitor).
  Cache<std::uint64_t, std::uint64_t>::Options options;
  options.capacity = 1 << 20;
  options.shard_bits = 0;
  options.exact_access_order = true;
  auto cache = *Cache<std::uint64_t, std::uint64_t>::Create(options);
  ASSERT_TRUE(cache->Put(7, 7).ok());
  std::atomic<bool> stop{false}, started{false};
  std::thread writer([&] {
    started.store(true);
    while (!stop.load()) {
      cache->Erase(7);
      ASSERT_TRUE(cache->Put(7, 7).ok());
    }
  });
  while (!started.load()) std::this_thread::yield();
  std::uint64_t hits = 0, unvisited = 0, wrong = 0;
  // Until some reads hit, however the two threads are scheduled.
  const int reads = 20000 * kScale;
  for (int i = 0; i < reads || (hits == 0 && i < 100 * reads); ++i) {
    bool visited = false;
    const bool hit = cache->Read(7, [&](const std::uint64_t& v) {
      visited = true;
      wrong += v != 7;
    });
    hits += hit;
    unvisited += hit && !visited;
  }
  stop.store(true);
  writer.join();
  EXPECT_EQ(unvisited, 0u) << hits << " hits";
  EXPECT_EQ(wrong, 0u);
  EXPECT_GT(hits, 0u);
}

TEST(CacheStressTest, ConcurrentHitsOnHotKeysWhileWritersChurn) {
  // Readers hammer a few hot keys (the lossy read-buffer path, drained under
  // try-lock) while writers churn the rest of the shard.
  Cache<std::string, std::string>::Options options;
  options.capacity = 256 << 10;
  options.shard_bits = 1;
  options.policy = PolicyKind::kArc;
  auto cache = *Cache<std::string, std::string>::Create(options);
  for (int k = 0; k < 8; ++k) {
    ASSERT_TRUE(cache->Put(absl::StrCat("hot", k), std::string(100, 'h')).ok());
  }
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> wrong{0};
  // Writers start once both readers have made their first 100 accesses, so
  // the hot keys are read (and hit) before churn can evict them.
  std::atomic<int> readers_warm{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50000 * kScale; ++i) {
        if (i == 100) readers_warm.fetch_add(1);
        const std::string key = absl::StrCat("hot", (i + t) % 8);
        if (i % 2 == 0) {
          auto v = cache->Get(key);
          if (v != nullptr && *v != std::string(100, 'h')) wrong.fetch_add(1);
        } else {
          cache->Read(key, [&wrong](const std::string& v) {
            if (v != std::string(100, 'h')) wrong.fetch_add(1);
          });
        }
      }
    });
  }
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      while (readers_warm.load() < 2 && !stop.load()) std::this_thread::yield();
      while (!stop.load()) {
        const std::string key = absl::StrCat("cold", rng() % 5000);
        ASSERT_TRUE(cache->Put(key, std::string(200, 'c')).ok());
      }
    });
  }
  for (int t = 0; t < 2; ++t) threads[t].join();
  stop.store(true);
  for (std::size_t t = 2; t < threads.size(); ++t) threads[t].join();
  EXPECT_EQ(wrong.load(), 0u);
  const CacheStats s = cache->Stats();
  EXPECT_LE(s.bytes, s.capacity);
  EXPECT_GE(s.hits, 1u);
}

}  // namespace
}  // namespace adaptrt::cache
