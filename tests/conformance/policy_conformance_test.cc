// The contract every eviction policy keeps (cache/policy/policy.h), as one
// typed suite: LRU, LFU and ARC all run every test here.

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <set>
#include <vector>

#include "cache/policy/arc.h"
#include "cache/policy/lfu.h"
#include "cache/policy/lru.h"
#include "cache/policy/policy.h"
#include "gtest/gtest.h"
#include "tests/conformance/policy_driver.h"

namespace adaptrt::cache_testing {
namespace {

using cache::ArcPolicy;
using cache::EvictionPolicy;
using cache::LfuPolicy;
using cache::LruPolicy;
using cache::PolicyHook;

template <typename P>
class PolicyConformanceTest : public ::testing::Test {
 protected:
  static std::unique_ptr<EvictionPolicy> Make(std::uint64_t capacity) {
    return std::make_unique<P>(capacity);
  }
};

using Policies = ::testing::Types<LruPolicy, LfuPolicy, ArcPolicy>;
TYPED_TEST_SUITE(PolicyConformanceTest, Policies);

TYPED_TEST(PolicyConformanceTest, EmptyPolicyHasNoVictim) {
  auto policy = this->Make(10);
  EXPECT_EQ(policy->Victim(), nullptr);
  EXPECT_EQ(policy->size(), 0u);
  EXPECT_EQ(policy->charge(), 0u);
  EXPECT_EQ(policy->capacity(), 10u);
}

TYPED_TEST(PolicyConformanceTest, NameMatchesFactory) {
  auto policy = this->Make(4);
  for (cache::PolicyKind kind :
       {cache::PolicyKind::kLru, cache::PolicyKind::kLfu,
        cache::PolicyKind::kArc}) {
    if (cache::PolicyKindName(kind) == policy->name()) {
      EXPECT_EQ(cache::NewPolicy(kind, 4)->name(), policy->name());
      return;
    }
  }
  ADD_FAILURE() << "unknown policy name " << policy->name();
}

TYPED_TEST(PolicyConformanceTest, CountsEntriesAndCharge) {
  PolicyDriver d(this->Make(100), 100);
  d.Insert(1, 10);
  d.Insert(2, 20);
  d.Insert(3, 5);
  EXPECT_EQ(d.policy().size(), 3u);
  EXPECT_EQ(d.policy().charge(), 35u);
  d.Request(2);  // an access changes order, not size
  EXPECT_EQ(d.policy().size(), 3u);
  EXPECT_EQ(d.policy().charge(), 35u);
  ASSERT_TRUE(d.Erase(2));
  EXPECT_EQ(d.policy().size(), 2u);
  EXPECT_EQ(d.policy().charge(), 15u);
}

TYPED_TEST(PolicyConformanceTest, VictimIsStableUntilSomethingHappens) {
  PolicyDriver d(this->Make(8), 8);
  for (std::uint64_t k = 0; k < 8; ++k) d.Request(k);
  d.Request(3);
  const std::int64_t victim = d.VictimKey();
  EXPECT_GE(victim, 0);
  EXPECT_EQ(d.VictimKey(), victim);  // Victim() does not change state
  EXPECT_EQ(d.VictimKey(), victim);
}

TYPED_TEST(PolicyConformanceTest, DrainsEveryEntryExactlyOnce) {
  auto policy = this->Make(1000);
  std::vector<TestEntry> entries(50);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    entries[i].key = i;
    entries[i].hash = i;
    policy->PrepareInsert(&entries[i]);
    policy->OnInsert(&entries[i]);
    if (i % 3 == 0) policy->OnAccess(&entries[i]);
  }
  std::set<std::uint64_t> seen;
  while (PolicyHook* h = policy->Victim()) {
    EXPECT_TRUE(seen.insert(static_cast<TestEntry*>(h)->key).second);
    policy->OnEvict(h);
  }
  EXPECT_EQ(seen.size(), entries.size());
  EXPECT_EQ(policy->size(), 0u);
  EXPECT_EQ(policy->charge(), 0u);
}

TYPED_TEST(PolicyConformanceTest, ErasedEntryIsNeverAVictim) {
  PolicyDriver d(this->Make(5), 5);
  for (std::uint64_t k = 0; k < 5; ++k) d.Request(k);
  const std::int64_t victim = d.VictimKey();
  ASSERT_GE(victim, 0);
  ASSERT_TRUE(d.Erase(static_cast<std::uint64_t>(victim)));
  EXPECT_NE(d.VictimKey(), victim);
  for (std::uint64_t k = 10; k < 30; ++k) d.Request(k);
  for (std::uint64_t key : d.evicted()) {
    EXPECT_NE(key, static_cast<std::uint64_t>(victim));
  }
}

TYPED_TEST(PolicyConformanceTest, CapacityIsRespectedWithMixedCharges) {
  PolicyDriver d(this->Make(64), 64);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 5000; ++i) {
    const std::uint64_t key = rng() % 200;
    d.Request(key, 1 + key % 7);
    ASSERT_LE(d.usage(), 64u);
    ASSERT_EQ(d.policy().size(), d.size());
    ASSERT_EQ(d.policy().charge(), d.usage());
  }
}

TYPED_TEST(PolicyConformanceTest, ShrinkAndGrowAtRunTime) {
  PolicyDriver d(this->Make(100), 100);
  for (std::uint64_t k = 0; k < 100; ++k) d.Request(k);
  EXPECT_EQ(d.size(), 100u);
  d.SetCapacity(10);
  EXPECT_EQ(d.policy().capacity(), 10u);
  EXPECT_EQ(d.size(), 10u);
  EXPECT_EQ(d.policy().size(), 10u);
  for (std::uint64_t k = 100; k < 200; ++k) {
    d.Request(k % 37 + 100);
    ASSERT_LE(d.usage(), 10u);
  }
  d.SetCapacity(50);
  for (std::uint64_t k = 0; k < 500; ++k) d.Request(k % 60);
  EXPECT_EQ(d.size(), 50u);
  EXPECT_EQ(d.policy().charge(), 50u);
}

TYPED_TEST(PolicyConformanceTest, RepeatedHitsKeepAHotKeyResident) {
  // Every policy here keeps a key that is hit between every miss.
  PolicyDriver d(this->Make(4), 4);
  for (std::uint64_t i = 0; i < 200; ++i) {
    d.Request(1000);
    d.Request(i);
  }
  EXPECT_TRUE(d.Contains(1000));
}

TYPED_TEST(PolicyConformanceTest, RandomOperationsKeepOwnerAndPolicyInSync) {
  PolicyDriver d(this->Make(32), 32);
  std::mt19937_64 rng(42);
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t key = rng() % 100;
    switch (rng() % 10) {
      case 0:
        d.Erase(key);
        break;
      case 1:
        if (i % 1000 == 1) d.SetCapacity(8 + rng() % 64);
        break;
      default:
        d.Request(key, 1 + rng() % 3);
        break;
    }
    ASSERT_EQ(d.policy().size(), d.size());
    ASSERT_EQ(d.policy().charge(), d.usage());
    const std::int64_t victim = d.VictimKey();
    if (d.size() == 0) {
      ASSERT_EQ(victim, -1);
    } else {
      ASSERT_TRUE(d.Contains(static_cast<std::uint64_t>(victim)));
    }
  }
}

TYPED_TEST(PolicyConformanceTest, ReserveDoesNotChangeBehaviour) {
  PolicyDriver a(this->Make(16), 16);
  PolicyDriver b(this->Make(16), 16);
  b.policy().Reserve(1000);
  std::mt19937_64 rng(3);
  for (int i = 0; i < 3000; ++i) {
    const std::uint64_t key = rng() % 50;
    ASSERT_EQ(a.Request(key), b.Request(key));
  }
}

}  // namespace
}  // namespace adaptrt::cache_testing
