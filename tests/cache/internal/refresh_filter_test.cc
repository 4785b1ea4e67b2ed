// Tests of RefreshFilter against an LRU list kept beside it: a skipped
// entry is always near the front (the bound the cache's eviction order
// relies on), entries stamped recently are skipped, a disabled filter or a
// small list never skips, and a shrunken list republishes a smaller window.
// Also a concurrent check that readers calling Skips() race with nothing
// (a tsan target: stamps are written while readers read them).

#include "cache/internal/refresh_filter.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <list>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

#include "cache/policy/policy.h"
#include "gtest/gtest.h"
#include "tests/util/sanitizer.h"

namespace adaptrt::cache_internal {
namespace {

// An LRU order (front = most recent) of hooks, with each hook's position,
// and the filter stamped exactly as Cache stamps it (insert and hit).
class Model {
 public:
  explicit Model(std::size_t max_entries) : hooks_(max_entries) {
    filter_.Enable(true);
  }

  void Insert(std::size_t id) {
    order_.push_front(id);
    where_[id] = order_.begin();
    filter_.Stamp(hooks_[id], order_.size());
  }
  void Hit(std::size_t id) {
    order_.splice(order_.begin(), order_, where_[id]);
    filter_.Stamp(hooks_[id], order_.size());
  }
  void Erase(std::size_t id) {
    order_.erase(where_[id]);
    where_.erase(id);
    filter_.Resize(order_.size());
  }
  bool Resident(std::size_t id) const { return where_.count(id) != 0; }
  std::size_t size() const { return order_.size(); }
  RefreshFilter& filter() { return filter_; }
  cache::PolicyHook& hook(std::size_t id) { return hooks_[id]; }

  // Position of every resident id from the front (0 = most recent).
  std::unordered_map<std::size_t, std::size_t> Positions() const {
    std::unordered_map<std::size_t, std::size_t> pos;
    std::size_t i = 0;
    for (std::size_t id : order_) pos[id] = i++;
    return pos;
  }

 private:
  std::vector<cache::PolicyHook> hooks_;
  std::list<std::size_t> order_;
  std::unordered_map<std::size_t, std::list<std::size_t>::iterator> where_;
  RefreshFilter filter_;
};

TEST(RefreshFilterTest, ADisabledFilterOrASmallListNeverSkips) {
  std::vector<cache::PolicyHook> hooks(4096);
  RefreshFilter disabled;
  disabled.Enable(false);
  for (std::size_t i = 0; i < hooks.size(); ++i) disabled.Stamp(hooks[i], i + 1);
  for (auto& h : hooks) EXPECT_FALSE(disabled.Skips(h));

  Model small(RefreshFilter::kMinEntries);
  for (std::size_t i = 0; i + 1 < RefreshFilter::kMinEntries; ++i) small.Insert(i);
  for (int round = 0; round < 10; ++round) {
    for (std::size_t i = 0; i + 1 < RefreshFilter::kMinEntries; ++i) {
      EXPECT_FALSE(small.filter().Skips(small.hook(i))) << i;
      small.Hit(i);
    }
  }
}

TEST(RefreshFilterTest, RecentlyStampedEntriesAreSkippedAndOldOnesAreNot) {
  constexpr std::size_t kEntries = 4096;
  Model m(kEntries);
  for (std::size_t i = 0; i < kEntries; ++i) m.Insert(i);
  // The publication schedule, by hand: below 256 entries the filter
  // republishes every 64 promotions with window 0; from promotion P = 256
  // on, each publication sets window = P/8, lag = window/4 and publishes
  // again after `lag` more promotions (256, 264, 272, ...). The last one
  // before 4096 is at P = 3981: window 497, lag 124, horizon 4105. Entry i
  // was stamped i + 1, so exactly the entries with 4105 - (i + 1) < 497,
  // i >= 3608, are skipped: 488, all among the 497 newest (front eighth).
  for (std::size_t i = 0; i < kEntries; ++i) {
    EXPECT_EQ(m.filter().Skips(m.hook(i)), i >= 3608) << "id " << i;
  }
  // A hit on the oldest entry is not skipped; once applied, it is.
  EXPECT_FALSE(m.filter().Skips(m.hook(0)));
  m.Hit(0);
  EXPECT_TRUE(m.filter().Skips(m.hook(0)));
}

// Random inserts and hits (low ids hot), then erases; every 97 steps, every
// entry the filter would skip has fewer than size/4 entries ahead of it, and
// fewer than size/8 while the list only grew.
TEST(RefreshFilterTest, ASkippedEntryIsAlwaysInTheFrontQuarterOfTheList) {
  constexpr std::size_t kIds = 6000;
  Model m(kIds);
  std::mt19937_64 rng(7);
  std::size_t checks = 0, skips = 0;
  const int steps = adaptrt::testing::SanitizerScaled(30000, 6000);
  for (int step = 0; step < steps; ++step) {
    // Grow to ~5000, shrink to ~1000 after step 2/3 of the run.
    const bool shrinking = step > steps * 2 / 3;
    const std::size_t id = std::min<std::size_t>(
        kIds - 1, static_cast<std::size_t>(
                      std::exp(std::uniform_real_distribution<double>(
                          0, std::log(double{kIds}))(rng))));
    const unsigned dice = rng() % 10;
    if (m.Resident(id)) {
      if (shrinking && dice < 5) {
        m.Erase(id);
      } else if (!m.filter().Skips(m.hook(id))) {
        m.Hit(id);
      }
    } else if (!shrinking || dice == 0) {
      m.Insert(id);
    }
    if (step % 97 != 0) continue;
    const auto pos = m.Positions();
    for (const auto& [i, p] : pos) {
      if (!m.filter().Skips(m.hook(i))) continue;
      ++skips;
      EXPECT_LT(p, m.size() / 4) << "step " << step << " id " << i;
      if (!shrinking) {
        EXPECT_LT(p, m.size() / 8 + 1) << "step " << step;
      }
    }
    checks += pos.size();
  }
  EXPECT_GT(skips, 0u);
  EXPECT_GT(checks, skips);
}

TEST(RefreshFilterTest, AShrunkenListRepublishesASmallerWindow) {
  constexpr std::size_t kEntries = 4096;
  Model m(kEntries);
  for (std::size_t i = 0; i < kEntries; ++i) m.Insert(i);
  // Keep only the 300 newest: the old window (512) would cover all of them.
  for (std::size_t i = 0; i < kEntries - 300; ++i) m.Erase(i);
  std::size_t skipped = 0;
  for (std::size_t i = kEntries - 300; i < kEntries; ++i) {
    skipped += m.filter().Skips(m.hook(i));
  }
  EXPECT_LT(skipped, 300u / 4);
  EXPECT_GT(skipped, 0u);
  // Below kMinEntries nothing is skipped.
  for (std::size_t i = kEntries - 300; i < kEntries - 100; ++i) m.Erase(i);
  for (std::size_t i = kEntries - 100; i < kEntries; ++i) {
    EXPECT_FALSE(m.filter().Skips(m.hook(i)));
  }
}

// Readers call Skips() on hooks that a writer (the policy lock holder)
// stamps at the same time: under tsan this must report nothing.
TEST(RefreshFilterTest, ReadersRaceWithStampsWithoutDataRaces) {
  constexpr std::size_t kEntries = 1024;
  std::vector<cache::PolicyHook> hooks(kEntries);
  RefreshFilter filter;
  filter.Enable(true);
  for (std::size_t i = 0; i < kEntries; ++i) filter.Stamp(hooks[i], i + 1);
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> seen{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&, t] {
      std::uint64_t n = 0, i = t;
      while (!stop.load(std::memory_order_relaxed)) {
        n += filter.Skips(hooks[i++ % kEntries]);
      }
      seen.fetch_add(n);
    });
  }
  const int stamps = adaptrt::testing::SanitizerScaled(2000000, 200000);
  for (int i = 0; i < stamps; ++i) filter.Stamp(hooks[(i * 7) % kEntries], kEntries);
  stop.store(true);
  for (auto& r : readers) r.join();
  SUCCEED() << seen.load() << " skips seen";
}

}  // namespace
}  // namespace adaptrt::cache_internal
