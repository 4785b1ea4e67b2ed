// Concurrent writers (one per key range) and readers on one L3 store: every
// read returns the last value its writer wrote (or, for readers, a value
// that writer wrote at some point), the byte bound holds, nothing crashes.
// RocksDB is not TSan-instrumented: under --config=tsan this test skips.

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "cache/internal/persistent_store.h"
#include "gtest/gtest.h"
#include "tests/util/sanitizer.h"
#include "tests/util/temp_dir.h"

namespace adaptrt::cache_internal {
namespace {

TEST(PersistentStoreConcurrencyTest, WritersReadersAndEviction) {
  if (testing::kUnderThreadSanitizer) GTEST_SKIP() << testing::kRocksDbNotUnderTsan;
  testing::ScopedTempDir dir;
  PersistentStoreOptions o;
  o.directory = dir.Sub("l3");
  o.capacity_bytes = 64 * PersistentStore::RecordCharge(6, 16);  // Forces eviction.
  auto opened = PersistentStore::Open(o);
  ASSERT_TRUE(opened.ok()) << opened.status();
  PersistentStore& store = **opened;

  constexpr int kWriters = 2, kKeysPerWriter = 50, kRounds = 300;
  std::atomic<bool> failed{false};
  // Keys "<w><kkkkk>" (6 chars); values start with their key.
  auto key_of = [](int w, int k) { return absl::StrFormat("%d%05d", w, k); };
  auto value_of = [](int w, int k, int round) {
    return absl::StrFormat("%d%05d%010d", w, k, round);
  };
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int r = 0; r < kRounds; ++r) {
        const int k = (r * 7) % kKeysPerWriter;
        const std::string key = key_of(w, k);
        if (r % 10 == 9) {
          if (!store.Erase(key).ok()) failed = true;
          auto got = store.Get(key);
          if (!got.ok() || got->has_value()) failed = true;
          continue;
        }
        if (!store.Put(key, value_of(w, k, r)).ok()) failed = true;
        auto got = store.Get(key);
        // Single writer per key: either still there with our value, or evicted.
        if (!got.ok() || (got->has_value() && **got != value_of(w, k, r))) failed = true;
      }
    });
  }
  threads.emplace_back([&] {
    for (int r = 0; r < kRounds * 2; ++r) {
      const int w = r % kWriters, k = r % kKeysPerWriter;
      auto got = store.Get(key_of(w, k));
      if (!got.ok()) failed = true;
      // A value read belongs to this key (its prefix names writer and key).
      if (got.ok() && got->has_value() && (*got)->substr(0, 6) != key_of(w, k)) failed = true;
      const PersistentStoreStats st = store.Stats();
      if (st.charged_bytes > st.capacity_bytes) failed = true;
    }
  });
  for (auto& t : threads) t.join();
  EXPECT_FALSE(failed.load());
  const PersistentStoreStats st = store.Stats();
  EXPECT_LE(st.charged_bytes, st.capacity_bytes);
  EXPECT_GT(st.evictions, 0u);
  EXPECT_EQ(st.corrupt_records, 0u);
}

}  // namespace
}  // namespace adaptrt::cache_internal
