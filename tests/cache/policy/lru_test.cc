#include "cache/policy/lru.h"

#include <memory>
#include <vector>

#include "gtest/gtest.h"
#include "tests/conformance/policy_driver.h"

namespace adaptrt::cache_testing {
namespace {

TEST(LruPolicyTest, EvictsLeastRecentlyUsedOnAHandComputedSequence) {
  PolicyDriver d(std::make_unique<cache::LruPolicy>(3), 3);
  // 1 2 3 1 4 (evicts 2) 5 (evicts 3) 1 (hit) 2 (evicts 4) 5 (hit) 3 (evicts 1)
  const std::vector<std::uint64_t> requests = {1, 2, 3, 1, 4, 5, 1, 2, 5, 3};
  const std::vector<bool> hits = {false, false, false, true,  false,
                                  false, true,  false, true,  false};
  for (std::size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(d.Request(requests[i]), hits[i]) << "request " << i;
  }
  EXPECT_EQ(d.evicted(), (std::vector<std::uint64_t>{2, 3, 4, 1}));
  EXPECT_EQ(d.VictimKey(), 2);  // order now: 3 5 2 (most recent first)
}

TEST(LruPolicyTest, ChargeWeightedEvictionFreesEnough) {
  PolicyDriver d(std::make_unique<cache::LruPolicy>(10), 10);
  d.Request(1, 4);
  d.Request(2, 4);
  d.Request(3, 2);
  d.Request(4, 7);  // needs 7: evicts 1 (4) and 2 (4)
  EXPECT_EQ(d.evicted(), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(d.usage(), 9u);
}

}  // namespace
}  // namespace adaptrt::cache_testing
