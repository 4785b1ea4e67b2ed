// Tests of AdaptiveMutex: mutual exclusion and visibility under contention,
// through both the spinning path (short critical sections) and the sleeping
// path (holders that keep the lock far longer than the spin), try_lock, and
// use through std::unique_lock. Tagged "concurrency" (reruns under tsan and
// asan).

#include "cache/internal/adaptive_mutex.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/sanitizer.h"

namespace adaptrt::cache_internal {
namespace {

TEST(AdaptiveMutexTest, TryLockFailsWhileHeldAndSucceedsAfter) {
  AdaptiveMutex mu;
  ASSERT_TRUE(mu.try_lock());
  bool other = true;
  std::thread([&] { other = mu.try_lock(); }).join();
  EXPECT_FALSE(other);
  mu.unlock();
  std::thread([&] {
    other = mu.try_lock();
    if (other) mu.unlock();
  }).join();
  EXPECT_TRUE(other);
  std::unique_lock<AdaptiveMutex> lock(mu, std::try_to_lock);
  EXPECT_TRUE(lock.owns_lock());
}

// Plain (non-atomic) counters incremented under the lock: a lost update or
// a torn pair means two holders at once; tsan checks the ordering.
void Hammer(int threads, int rounds, std::chrono::microseconds hold) {
  AdaptiveMutex mu;
  std::uint64_t a = 0, b = 0;
  std::atomic<int> inside{0};
  std::atomic<int> overlaps{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int i = 0; i < rounds; ++i) {
        std::lock_guard<AdaptiveMutex> lock(mu);
        if (inside.fetch_add(1, std::memory_order_relaxed) != 0) {
          overlaps.fetch_add(1, std::memory_order_relaxed);
        }
        ++a;
        if (hold.count() > 0) std::this_thread::sleep_for(hold);
        ++b;
        inside.fetch_sub(1, std::memory_order_relaxed);
      }
    });
  }
  for (auto& w : workers) w.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(a, std::uint64_t(threads) * rounds);
  EXPECT_EQ(b, a);
}

TEST(AdaptiveMutexTest, ShortCriticalSectionsExcludeEachOther) {
  Hammer(4, adaptrt::testing::SanitizerScaled(200000, 20000),
         std::chrono::microseconds(0));
}

TEST(AdaptiveMutexTest, HoldersLongerThanTheSpinPutWaitersToSleepAndWakeThem) {
  // 200 us holds: every waiter exhausts its spin and sleeps; each unlock
  // must wake one, or the test hangs (and times out).
  Hammer(4, adaptrt::testing::SanitizerScaled(200, 50),
         std::chrono::microseconds(200));
}

}  // namespace
}  // namespace adaptrt::cache_internal
