// Tests of the hit-path internals: StripedRwLock (exclusion, visibility),
// ReadBuffer (every record drained once, lossy bound, per-thread stripes)
// and the thread probe.

#include "cache/internal/striped_rw_lock.h"

#include <atomic>
#include <cstdint>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "cache/internal/read_buffer.h"
#include "cache/internal/thread_stripe.h"
#include "cache/policy/policy.h"
#include "gtest/gtest.h"
#include "tests/util/sanitizer.h"

namespace adaptrt::cache_internal {
namespace {

constexpr int kScale = adaptrt::testing::SanitizerScaled(1, 10);

TEST(ThreadStripeTest, ProbeIsStablePerThreadAndRehashMovesIt) {
  const std::uint32_t p = ThreadProbe();
  EXPECT_NE(p, 0u);
  EXPECT_EQ(ThreadProbe(), p);
  RehashThreadProbe();
  EXPECT_NE(ThreadProbe(), p);
  EXPECT_NE(ThreadProbe(), 0u);
  std::uint32_t other = 0;
  std::thread([&other] { other = ThreadProbe(); }).join();
  EXPECT_NE(other, 0u);
  const std::uint32_t n = DefaultStripeCount();
  EXPECT_GE(n, 2u);
  EXPECT_LE(n, 16u);
  EXPECT_EQ(n & (n - 1), 0u);
}

TEST(StripedRwLockTest, SharedHoldsOverlapAndTokensPickAStripe) {
  StripedRwLock lock(4);
  EXPECT_EQ(lock.stripes(), 4u);
  const std::uint32_t a = lock.LockShared();
  // Readers never exclude each other, also on another thread.
  std::thread([&lock] {
    const std::uint32_t b = lock.LockShared();
    EXPECT_LT(b, 4u);
    lock.UnlockShared(b);
  }).join();
  EXPECT_LT(a, 4u);
  lock.UnlockShared(a);
  std::unique_lock<StripedRwLock> writer(lock);  // nothing held: no wait
}

TEST(StripedRwLockTest, WriterWaitsForReaderAndReaderForWriter) {
  StripedRwLock lock(2);
  std::atomic<int> phase{0};
  int data = 0;  // guarded by lock
  StripedRwLock::SharedGuard* held = new StripedRwLock::SharedGuard(lock);
  std::thread writer([&] {
    phase.store(1);
    std::unique_lock<StripedRwLock> w(lock);
    // The reader released before we got here.
    EXPECT_EQ(phase.load(), 2);
    data = 42;
    phase.store(3);
  });
  while (phase.load() != 1) std::this_thread::yield();
  // The writer cannot get in while we hold the lock shared.
  for (int i = 0; i < 1000; ++i) std::this_thread::yield();
  EXPECT_EQ(phase.load(), 1);
  phase.store(2);
  delete held;
  writer.join();
  StripedRwLock::SharedGuard reader(lock);
  EXPECT_EQ(data, 42);
}

// Writers keep two plain counters equal under the exclusive lock; readers
// check them under the shared lock. Any broken exclusion is a torn pair
// (and a data race TSan reports).
TEST(StripedRwLockTest, ReadersNeverSeeAWriterHalfway) {
  StripedRwLock lock;
  std::uint64_t a = 0, b = 0;  // guarded by lock
  std::atomic<bool> torn{false};
  std::atomic<int> readers_done{0};
  const int kReads = 200000 / kScale;
  std::vector<std::thread> threads;
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&] {
      for (int i = 0; i < kReads; ++i) {
        StripedRwLock::SharedGuard g(lock);
        if (a != b) torn.store(true);
      }
      readers_done.fetch_add(1);
    });
  }
  threads.emplace_back([&] {
    std::uint64_t writes = 0;
    while (readers_done.load() < 2 || writes < 100) {
      std::unique_lock<StripedRwLock> w(lock);
      ++a;
      ++b;
      ++writes;
    }
  });
  for (auto& t : threads) t.join();
  EXPECT_FALSE(torn.load());
  EXPECT_EQ(a, b);
  EXPECT_GE(a, 100u);
}

TEST(ReadBufferTest, DrainAllAppliesEachRecordOnceOldestFirst) {
  ReadBuffer buffer(2);
  std::vector<cache::PolicyHook> hooks(10);
  int asked_to_drain = 0;
  for (auto& h : hooks) asked_to_drain += buffer.Record(&h);
  EXPECT_EQ(asked_to_drain, 0);  // below kDrainBatch
  EXPECT_EQ(buffer.hits(), 10u);
  std::vector<cache::PolicyHook*> applied;
  buffer.DrainAll([&](cache::PolicyHook* h) { applied.push_back(h); });
  ASSERT_EQ(applied.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(applied[i], &hooks[i]);
  applied.clear();
  buffer.DrainAll([&](cache::PolicyHook* h) { applied.push_back(h); });
  EXPECT_TRUE(applied.empty());
  EXPECT_EQ(buffer.hits(), 10u);  // the hit count stays
}

TEST(ReadBufferTest, LossyKeepsTheLastSlotsAndAsksToDrainEveryBatch) {
  ReadBuffer buffer(1);
  std::vector<cache::PolicyHook> hooks(ReadBuffer::kSlots * 3);
  int asked = 0;
  for (auto& h : hooks) asked += buffer.Record(&h);
  EXPECT_EQ(asked, static_cast<int>(hooks.size() / ReadBuffer::kDrainBatch));
  std::vector<cache::PolicyHook*> applied;
  buffer.DrainStripe([&](cache::PolicyHook* h) { applied.push_back(h); });
  ASSERT_EQ(applied.size(), ReadBuffer::kSlots);
  for (std::size_t i = 0; i < ReadBuffer::kSlots; ++i) {
    EXPECT_EQ(applied[i], &hooks[hooks.size() - ReadBuffer::kSlots + i]);
  }
}

// Recorders under the shared lock, a drainer under a separate "policy"
// mutex only, and a remover that drains under both: the remover must never
// leave a hook of a removed object in the buffer (the invariant the cache's
// removals rely on).
TEST(ReadBufferTest, RemovalAfterDrainAllLeavesNoStaleHook) {
  StripedRwLock lock(2);
  std::mutex policy_mu;
  ReadBuffer buffer(2);
  constexpr int kHooks = 8;
  std::vector<cache::PolicyHook> hooks(kHooks);
  std::vector<std::atomic<bool>> resident(kHooks);  // written under both locks
  for (auto& r : resident) r.store(true);
  std::atomic<bool> stop{false}, stale{false};
  auto check = [&](cache::PolicyHook* h) {
    if (!resident[h - hooks.data()].load(std::memory_order_relaxed)) {
      stale.store(true);
    }
  };
  std::vector<std::thread> threads;
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&, r] {
      std::uint32_t i = r;
      while (!stop.load(std::memory_order_relaxed)) {
        bool drain = false;
        {
          StripedRwLock::SharedGuard g(lock);
          const int k = static_cast<int>(++i % kHooks);
          if (resident[k].load(std::memory_order_relaxed)) {
            drain = buffer.Record(&hooks[k]);
          }
        }
        if (drain) {
          std::unique_lock<std::mutex> p(policy_mu, std::try_to_lock);
          if (p.owns_lock()) buffer.DrainStripe(check);
        }
      }
    });
  }
  const int kRounds = 20000 / kScale;
  for (int round = 0; round < kRounds; ++round) {
    const int k = round % kHooks;
    std::unique_lock<StripedRwLock> w(lock);
    std::lock_guard<std::mutex> p(policy_mu);
    buffer.DrainAll(check);
    // "Remove" k, then re-insert the previous one: neither may be drained
    // while it is out.
    resident[k].store(false, std::memory_order_relaxed);
    resident[(k + kHooks - 1) % kHooks].store(true, std::memory_order_relaxed);
  }
  stop.store(true);
  for (auto& t : threads) t.join();
  EXPECT_FALSE(stale.load());
}

}  // namespace
}  // namespace adaptrt::cache_internal
