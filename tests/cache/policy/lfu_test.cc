#include "cache/policy/lfu.h"

#include <memory>
#include <vector>

#include "gtest/gtest.h"
#include "tests/conformance/policy_driver.h"

namespace adaptrt::cache_testing {
namespace {

TEST(LfuPolicyTest, CountsAccessesAndBreaksTiesByLeastRecentUse) {
  auto owned = std::make_unique<cache::LfuPolicy>(3);
  cache::LfuPolicy* lfu = owned.get();
  PolicyDriver d(std::move(owned), 3);
  d.Request(1);
  d.Request(2);
  d.Request(3);
  d.Request(1);
  d.Request(1);  // 1: freq 3
  d.Request(2);  // 2: freq 2
  EXPECT_EQ(lfu->FrequencyOf(d.HookOf(1)), 3u);
  EXPECT_EQ(lfu->FrequencyOf(d.HookOf(2)), 2u);
  EXPECT_EQ(lfu->FrequencyOf(d.HookOf(3)), 1u);
  EXPECT_EQ(d.VictimKey(), 3);
  d.Request(4);  // evicts 3 (freq 1)
  d.Request(5);  // evicts 4: freq 1, the only one
  EXPECT_EQ(d.evicted(), (std::vector<std::uint64_t>{3, 4}));
  d.Request(5);  // 5: freq 2, ties with 2; 2 is less recent
  EXPECT_EQ(d.VictimKey(), 2);
  d.Request(2);  // 2: freq 3 ties with 1; 5 (freq 2) is the victim
  EXPECT_EQ(d.VictimKey(), 5);
  d.Request(5);  // 5: freq 3; three-way tie 1 (oldest), 2, 5
  EXPECT_EQ(d.VictimKey(), 1);
  d.Request(6);  // evicts 1: the count is forgotten (in-cache LFU)
  d.Request(1);  // evicts 6 (freq 1); 1 comes back with freq 1
  EXPECT_EQ(lfu->FrequencyOf(d.HookOf(1)), 1u);
  EXPECT_EQ(d.evicted(), (std::vector<std::uint64_t>{3, 4, 1, 6}));
}

TEST(LfuPolicyTest, HitsDoNotAllocateAfterReserve) {
  // Many entries in one bucket, then each promoted: every promotion needs a
  // bucket, which must come from the pool reserved at insert time.
  PolicyDriver d(std::make_unique<cache::LfuPolicy>(1000), 1000);
  for (std::uint64_t k = 0; k < 1000; ++k) d.Request(k);
  for (int round = 0; round < 3; ++round) {
    for (std::uint64_t k = 0; k < 1000; k += 1 + round) d.Request(k);
  }
  EXPECT_EQ(d.policy().size(), 1000u);
  EXPECT_EQ(d.VictimKey(), 1);  // freq 2 (hit once in round 0), oldest
}

}  // namespace
}  // namespace adaptrt::cache_testing
