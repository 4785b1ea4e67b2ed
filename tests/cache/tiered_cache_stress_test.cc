// Concurrent Get/Put/Erase/GetOrCompute/SetTierCapacity on a TieredCache with
// L1 and L2 (no L3: RocksDB is not TSan-instrumented; see
// tiered_cache_l3_concurrency_test.cc). Invariants checked while running:
//   - each tier's charge never exceeds the largest capacity it had;
//   - single writer per key: a value its writer reads back is the last one it
//     wrote (or none: evicted), never an older one, and none after an Erase;
//   - any reader sees, for a key, only a value written for that key, never
//     one newer than what its writer had started writing;
//   - GetOrCompute on a key no writer touches returns the one computed value.

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cache/tiered_cache.h"
#include "gtest/gtest.h"
#include "tests/util/sanitizer.h"

namespace adaptrt::cache {
namespace {

constexpr int kOpsPerWriter = adaptrt::testing::SanitizerScaled(60000, 6000);
constexpr int kWriters = 2;
constexpr int kKeysPerWriter = 300;
constexpr std::size_t kL1Big = 20000, kL1Small = 8000, kL2Big = 16000, kL2Small = 6000;

std::string Key(int writer, int k) { return absl::StrCat("w", writer, "k", k); }
// Value: "<key>#<seq>" padded to a size that depends on seq.
std::string Value(int writer, int k, std::uint64_t seq) {
  std::string v = absl::StrCat(Key(writer, k), "#", seq, "#");
  v.append(seq % 64, 'p');
  return v;
}
bool Parse(const std::string& v, std::string* key, std::uint64_t* seq) {
  const auto a = v.find('#');
  const auto b = v.find('#', a + 1);
  if (a == std::string::npos || b == std::string::npos) return false;
  *key = v.substr(0, a);
  *seq = std::stoull(v.substr(a + 1, b - a - 1));
  return true;
}

TEST(TieredCacheStressTest, InvariantsUnderConcurrency) {
  using C = TieredCache<std::string, std::string>;
  C::Options o;
  o.l1_capacity = kL1Big;
  o.l2_capacity = kL2Big;
  o.shard_bits = 2;
  o.weigher = [](const std::string& k, const std::string& v) { return k.size() + v.size() + 32; };
  auto created = C::Create(o);
  ASSERT_TRUE(created.ok()) << created.status();
  C& cache = **created;

  // started[w][k]: the highest seq its writer began to Put (0: none).
  std::vector<std::vector<std::atomic<std::uint64_t>>> started(kWriters);
  for (auto& s : started) s = std::vector<std::atomic<std::uint64_t>>(kKeysPerWriter);
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  auto fail = [&](const std::string& what) {
    if (failures.fetch_add(1) < 10) ADD_FAILURE() << what;
  };
  auto check_bounds = [&] {
    const TieredStats st = cache.Stats();
    if (st.l1.bytes > kL1Big) fail(absl::StrCat("L1 bytes ", st.l1.bytes, " > ", kL1Big));
    if (st.l2.bytes > kL2Big) fail(absl::StrCat("L2 bytes ", st.l2.bytes, " > ", kL2Big));
  };

  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      std::vector<std::uint64_t> model(kKeysPerWriter, 0);  // 0: erased/never.
      std::uint64_t seq = 0, rng = 88172645463325252ull + w;
      for (int op = 0; op < kOpsPerWriter; ++op) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        // Skewed keys: half the ops on the first 10% of keys.
        const int k = (rng & 1) ? static_cast<int>((rng >> 8) % (kKeysPerWriter / 10))
                                : static_cast<int>((rng >> 8) % kKeysPerWriter);
        const int what = static_cast<int>((rng >> 40) % 10);
        const std::string key = Key(w, k);
        if (what < 4) {
          ++seq;
          started[w][k].store(seq, std::memory_order_release);
          if (!cache.Put(key, Value(w, k, seq)).ok()) fail("Put failed");
          model[k] = seq;
        } else if (what == 4) {
          cache.Erase(key);
          model[k] = 0;
        } else {
          C::ValuePtr v = cache.Get(key);
          if (v == nullptr) continue;
          if (model[k] == 0) {
            fail(absl::StrCat(key, ": erased/never written, read ", *v));
          } else if (*v != Value(w, k, model[k])) {
            fail(absl::StrCat(key, ": read ", *v, ", last written ", Value(w, k, model[k])));
          }
        }
        if (op % 512 == 0) check_bounds();
      }
    });
  }
  // A reader of everyone's keys.
  threads.emplace_back([&] {
    std::uint64_t rng = 1;
    while (!done.load(std::memory_order_acquire)) {
      rng = rng * 6364136223846793005ull + 1442695040888963407ull;
      const int w = static_cast<int>((rng >> 33) % kWriters);
      const int k = static_cast<int>((rng >> 40) % kKeysPerWriter);
      C::ValuePtr v = cache.Get(Key(w, k));
      if (v == nullptr) continue;
      std::string key;
      std::uint64_t seq = 0;
      if (!Parse(*v, &key, &seq) || key != Key(w, k) || *v != Value(w, k, seq)) {
        fail(absl::StrCat("reader: foreign value ", *v, " for ", Key(w, k)));
      } else if (seq > started[w][k].load(std::memory_order_acquire)) {
        fail(absl::StrCat("reader: value from the future ", *v));
      }
    }
  });
  // Single flight on keys no writer touches, plus capacity changes.
  threads.emplace_back([&] {
    int round = 0;
    while (!done.load(std::memory_order_acquire)) {
      const std::string key = absl::StrCat("computed", round % 50);
      auto r = cache.GetOrCompute(key, [&] { return key + "=value"; });
      if (!r.ok() || **r != key + "=value") fail("GetOrCompute returned a wrong value");
      if (round % 20 == 0) {
        const bool small = (round / 20) % 2 == 1;
        if (!cache.SetTierCapacity(Tier::kL1, small ? kL1Small : kL1Big).ok()) fail("SetTierCapacity L1");
        if (!cache.SetTierCapacity(Tier::kL2, small ? kL2Small : kL2Big).ok()) fail("SetTierCapacity L2");
        check_bounds();
      }
      ++round;
    }
  });
  for (int w = 0; w < kWriters; ++w) threads[w].join();
  done.store(true, std::memory_order_release);
  for (std::size_t t = kWriters; t < threads.size(); ++t) threads[t].join();

  EXPECT_EQ(failures.load(), 0);
  ASSERT_TRUE(cache.SetTierCapacity(Tier::kL1, kL1Small).ok());
  ASSERT_TRUE(cache.SetTierCapacity(Tier::kL2, kL2Small).ok());
  const TieredStats st = cache.Stats();
  EXPECT_LE(st.l1.bytes, kL1Small);
  EXPECT_LE(st.l2.bytes, kL2Small);
  EXPECT_GT(st.l1.demotions, 0u);
  EXPECT_GT(st.l2.promotions, 0u);
  std::printf("L1 hits=%llu misses=%llu demotions=%llu dropped=%llu; L2 hits=%llu promotions=%llu\n",
              static_cast<unsigned long long>(st.l1.hits),
              static_cast<unsigned long long>(st.l1.misses),
              static_cast<unsigned long long>(st.l1.demotions),
              static_cast<unsigned long long>(st.l1.demotions_dropped),
              static_cast<unsigned long long>(st.l2.hits),
              static_cast<unsigned long long>(st.l2.promotions));
}

TEST(TieredCacheStressTest, ConcurrentGetOrComputeRunsOnce) {
  using C = TieredCache<std::string, std::string>;
  auto created = C::Create(C::Options());
  ASSERT_TRUE(created.ok());
  C& cache = **created;
  for (int round = 0; round < 20; ++round) {
    std::atomic<int> calls{0};
    std::atomic<bool> go{false};
    const std::string key = absl::StrCat("k", round);
    std::vector<std::thread> threads;
    std::atomic<int> wrong{0};
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        while (!go.load()) std::this_thread::yield();
        auto r = cache.GetOrCompute(key, [&] {
          calls.fetch_add(1);
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
          return std::string("v");
        });
        if (!r.ok() || **r != "v") wrong.fetch_add(1);
      });
    }
    go.store(true);
    for (auto& t : threads) t.join();
    EXPECT_EQ(calls.load(), 1);
    EXPECT_EQ(wrong.load(), 0);
  }
}

}  // namespace
}  // namespace adaptrt::cache
