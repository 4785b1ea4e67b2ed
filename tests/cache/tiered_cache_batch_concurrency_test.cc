// TieredCache::PutBatch racing with Put and Erase of the same keys, with an
// L3: when the threads are done, every key's L3 record (seen by a new cache
// over the same directory, i.e. a new process) is the value memory holds, or
// absent; never an older value. Normal and asan builds; skips under tsan
// (RocksDB is not TSan-instrumented).

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cache/tiered_cache.h"
#include "gtest/gtest.h"
#include "tests/util/sanitizer.h"
#include "tests/util/temp_dir.h"

namespace adaptrt::cache {
namespace {

using StringCache = TieredCache<std::string, std::string>;

StringCache::Options Options(const testing::ScopedTempDir& dir) {
  StringCache::Options o;
  o.l1_capacity = 4 << 20;  // holds every key: memory has the last word
  o.l2_capacity = 1 << 20;
  o.l3_directory = dir.Sub("l3");
  o.l3_capacity = 16 << 20;
  o.l3_required = true;
  return o;
}

TEST(TieredCacheBatchConcurrencyTest, L3AgreesWithMemoryAfterRacingWrites) {
  if (testing::kUnderThreadSanitizer) GTEST_SKIP() << testing::kRocksDbNotUnderTsan;
  testing::ScopedTempDir dir;
  constexpr int kKeys = 48, kThreads = 4;
  constexpr int kRounds = testing::SanitizerScaled(200, 60);
  std::map<std::string, std::optional<std::string>> in_memory;
  {
    auto created = StringCache::Create(Options(dir));
    ASSERT_TRUE(created.ok()) << created.status();
    StringCache& c = **created;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&c, t] {
        std::mt19937 rng(t);
        for (int r = 0; r < kRounds; ++r) {
          const std::string tag = std::to_string(t) + ":" + std::to_string(r);
          switch (rng() % 4) {
            case 0:
              (void)c.Put("k" + std::to_string(rng() % kKeys), "put " + tag);
              break;
            case 1:
              c.Erase("k" + std::to_string(rng() % kKeys));
              break;
            default: {
              std::vector<std::pair<std::string, std::string>> batch;
              for (int i = 0; i < 8; ++i) {
                batch.emplace_back("k" + std::to_string(rng() % kKeys),
                                   "batch " + tag + "." + std::to_string(i));
              }
              EXPECT_TRUE(c.PutBatch(batch).ok());
            }
          }
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(c.Stats().l3.errors, 0u);
    for (int k = 0; k < kKeys; ++k) {
      const std::string key = "k" + std::to_string(k);
      auto v = c.Get(key);
      in_memory[key] = v ? std::optional<std::string>(*v) : std::nullopt;
    }
    // L1 held every key, so no Get above was answered by L3.
    EXPECT_EQ(c.Stats().l3.hits, 0u);
  }
  auto reopened = StringCache::Create(Options(dir));
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  int present = 0;
  for (const auto& [key, mem] : in_memory) {
    auto v = (*reopened)->Get(key);
    if (v == nullptr) continue;  // absent from L3 is allowed (a miss)
    ++present;
    ASSERT_TRUE(mem.has_value()) << key << ": erased, but L3 still has " << *v;
    EXPECT_EQ(*v, *mem) << key;
  }
  EXPECT_GT(present, 0);
}

}  // namespace
}  // namespace adaptrt::cache
