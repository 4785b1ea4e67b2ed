// TieredCache with an L3 under concurrent writers and readers: values read
// are the writer's latest, the L3 holds every key's latest value afterwards
// (write-through), and a second instance on the directory reads them back.
// RocksDB is not TSan-instrumented: this test skips itself under tsan.

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cache/tiered_cache.h"
#include "gtest/gtest.h"
#include "tests/util/sanitizer.h"
#include "tests/util/temp_dir.h"

namespace adaptrt::cache {
namespace {

TEST(TieredCacheL3ConcurrencyTest, WriteThroughUnderConcurrency) {
  if (testing::kUnderThreadSanitizer) GTEST_SKIP() << testing::kRocksDbNotUnderTsan;
  using C = TieredCache<std::string, std::string>;
  testing::ScopedTempDir dir;
  C::Options o;
  o.l1_capacity = 4000;
  o.l2_capacity = 4000;
  o.shard_bits = 1;
  o.l3_directory = dir.Sub("l3");
  constexpr int kWriters = 2, kKeys = 100, kOps = 1500;
  std::vector<std::vector<std::string>> last(kWriters, std::vector<std::string>(kKeys));
  {
    auto created = C::Create(o);
    ASSERT_TRUE(created.ok()) << created.status();
    C& cache = **created;
    std::atomic<int> failures{0};
    std::atomic<bool> done{false};
    std::vector<std::thread> threads;
    for (int w = 0; w < kWriters; ++w) {
      threads.emplace_back([&, w] {
        for (int op = 0; op < kOps; ++op) {
          const int k = (op * 37) % kKeys;
          const std::string key = absl::StrCat("w", w, "k", k);
          if (op % 3 == 0) {
            auto v = cache.Get(key);
            // With write-through L3 (ample capacity) a written key never misses.
            if (last[w][k].empty() ? v != nullptr : (v == nullptr || *v != last[w][k])) {
              failures.fetch_add(1);
            }
          } else {
            last[w][k] = absl::StrCat(key, "=", op);
            if (!cache.Put(key, last[w][k]).ok()) failures.fetch_add(1);
          }
        }
      });
    }
    threads.emplace_back([&] {
      int i = 0;
      while (!done.load()) {
        auto v = cache.Get(absl::StrCat("w", i % kWriters, "k", i % kKeys));
        if (v != nullptr && v->rfind(absl::StrCat("w", i % kWriters, "k", i % kKeys, "="), 0) != 0) {
          failures.fetch_add(1);
        }
        ++i;
      }
    });
    for (int w = 0; w < kWriters; ++w) threads[w].join();
    done.store(true);
    threads.back().join();
    EXPECT_EQ(failures.load(), 0);
    const TieredStats st = cache.Stats();
    EXPECT_EQ(st.l3.errors, 0u);
    EXPECT_GT(st.l3.hits, 0u);
    EXPECT_LE(st.l1.bytes, st.l1.capacity);
    EXPECT_LE(st.l2.bytes, st.l2.capacity);
  }
  auto reopened = C::Create(o);
  ASSERT_TRUE(reopened.ok());
  for (int w = 0; w < kWriters; ++w) {
    for (int k = 0; k < kKeys; ++k) {
      if (last[w][k].empty()) continue;
      auto v = (*reopened)->Get(absl::StrCat("w", w, "k", k));
      ASSERT_NE(v, nullptr);
      EXPECT_EQ(*v, last[w][k]);
    }
  }
}

}  // namespace
}  // namespace adaptrt::cache
