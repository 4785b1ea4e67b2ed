// ARC against sequences worked out by hand from Fig. 4 of Megiddo & Modha,
// FAST'03. Lists are written most recent first; hashes equal keys.

#include "cache/policy/arc.h"

#include <memory>
#include <vector>

#include "gtest/gtest.h"
#include "tests/conformance/policy_driver.h"

namespace adaptrt::cache_testing {
namespace {

class ArcPolicyTest : public ::testing::Test {
 protected:
  explicit ArcPolicyTest(std::uint64_t c = 5) {
    auto owned = std::make_unique<cache::ArcPolicy>(c);
    arc_ = owned.get();
    driver_ = std::make_unique<PolicyDriver>(std::move(owned), c);
  }
  bool Request(std::uint64_t key) { return driver_->Request(key); }
  int ListOf(std::uint64_t key) {
    return cache::ArcPolicy::ListOf(driver_->HookOf(key));
  }

  cache::ArcPolicy* arc_;
  std::unique_ptr<PolicyDriver> driver_;
};

TEST_F(ArcPolicyTest, AdaptsTargetPAsInThePaper) {
  // c = 5. 1..5 misses: T1 = [5 4 3 2 1]; 1..5 hits: T2 = [5 4 3 2 1].
  for (std::uint64_t k = 1; k <= 5; ++k) EXPECT_FALSE(Request(k));
  for (std::uint64_t k = 1; k <= 5; ++k) EXPECT_TRUE(Request(k));
  EXPECT_EQ(arc_->t1(), 0u);
  EXPECT_EQ(arc_->t2(), 5u);
  // 6: Case IV.B, REPLACE with T1 empty: T2's LRU 1 -> B2. 6 hit -> T2.
  EXPECT_FALSE(Request(6));
  EXPECT_EQ(arc_->GhostListOf(1), 2);
  EXPECT_TRUE(Request(6));
  // 7: evicts 2 -> B2; 7 hit -> T2 = [7 6 5 4 3].
  EXPECT_FALSE(Request(7));
  EXPECT_TRUE(Request(7));
  // 8: evicts 3 -> B2 = [3 2 1]; T1 = [8].
  EXPECT_FALSE(Request(8));
  // 9: |T1| = 1 > p = 0: evicts 8 -> B1 = [8]; T1 = [9].
  EXPECT_FALSE(Request(9));
  // 10: directory 9 < 2c: evicts 9 -> B1 = [9 8]; T1 = [10].
  EXPECT_FALSE(Request(10));
  EXPECT_EQ(arc_->b1(), 2u);
  EXPECT_EQ(arc_->b2(), 3u);
  EXPECT_DOUBLE_EQ(arc_->p(), 0.0);
  EXPECT_EQ(driver_->evicted(), (std::vector<std::uint64_t>{1, 2, 3, 8, 9}));

  // 8 in B1 (Case II): p += max(|B2|/|B1|, 1) = 3/2 -> p = 1.5. REPLACE:
  // |T1| = 1 <= 1.5, so T2's LRU 4 -> B2 = [4 3 2 1]; 8 -> T2.
  EXPECT_FALSE(Request(8));
  EXPECT_DOUBLE_EQ(arc_->p(), 1.5);
  EXPECT_EQ(driver_->evicted().back(), 4u);
  EXPECT_EQ(ListOf(8), 2);
  EXPECT_EQ(arc_->b1(), 1u);
  EXPECT_EQ(arc_->b2(), 4u);

  // 2 in B2 (Case III): p -= max(|B1|/|B2|, 1) = 1 -> p = 0.5. REPLACE:
  // |T1| = 1 > 0.5, so T1's LRU 10 -> B1 = [10 9]; 2 -> T2.
  EXPECT_FALSE(Request(2));
  EXPECT_DOUBLE_EQ(arc_->p(), 0.5);
  EXPECT_EQ(driver_->evicted().back(), 10u);
  EXPECT_EQ(arc_->GhostListOf(10), 1);
  EXPECT_EQ(arc_->t1(), 0u);
  EXPECT_EQ(arc_->b2(), 3u);  // [4 3 1]

  // 9 in B1: p += |B2|/|B1| = 3/2 -> p = 2.0; T1 empty: T2's LRU 5 -> B2.
  EXPECT_FALSE(Request(9));
  EXPECT_DOUBLE_EQ(arc_->p(), 2.0);
  EXPECT_EQ(driver_->evicted().back(), 5u);

  // 4 in B2 (|B1| = 1, |B2| = 4): p -= max(1/4, 1) = 1 -> p = 1.0; T2's
  // LRU 6 -> B2.
  EXPECT_FALSE(Request(4));
  EXPECT_DOUBLE_EQ(arc_->p(), 1.0);
  EXPECT_EQ(driver_->evicted().back(), 6u);
  EXPECT_EQ(arc_->t2(), 5u);
  EXPECT_EQ(arc_->b1(), 1u);
  EXPECT_EQ(arc_->b2(), 4u);  // [6 5 3 1]
}

TEST_F(ArcPolicyTest, ReplacePrefersT1WhenItEqualsPOnAB2Hit) {
  // c = 5: fill, promote 1..4 to T2, then build B1 = [6], B2 = [1].
  for (std::uint64_t k = 1; k <= 5; ++k) Request(k);  // T1 = [5 4 3 2 1]
  for (std::uint64_t k = 1; k <= 4; ++k) Request(k);  // T2 = [4 3 2 1], T1 = [5]
  // 6: |T1| = 1 > p = 0: evicts 5 -> B1 = [5].
  Request(6);
  EXPECT_EQ(driver_->evicted().back(), 5u);
  // 5 in B1: p = 0 + max(0/1, 1) = 1. |T1| = 1 = p, not a B2 hit: T2's LRU 1
  // -> B2 = [1].
  Request(5);
  EXPECT_DOUBLE_EQ(arc_->p(), 1.0);
  EXPECT_EQ(driver_->evicted().back(), 1u);
  // 7: |T1| = 1 = p, not a B2 hit: T2's LRU 2 -> B2 = [2 1]; T1 = [7 6].
  Request(7);
  EXPECT_EQ(driver_->evicted().back(), 2u);
  // 8: |T1| = 2 > 1: T1's LRU 6 -> B1 = [6]; T1 = [8 7].
  Request(8);
  EXPECT_EQ(driver_->evicted().back(), 6u);
  // 6 in B1: p = 1 + max(2/1, 1) = 3. |T1| = 2 < 3: T2's LRU 3 -> B2.
  Request(6);
  EXPECT_DOUBLE_EQ(arc_->p(), 3.0);
  EXPECT_EQ(driver_->evicted().back(), 3u);
  // 1 in B2: p = 3 - max(0/3, 1) = 2. |T1| = 2 = p and x was in B2: T1's LRU
  // 7 -> B1 (without the equality clause it would be T2's LRU 4).
  Request(1);
  EXPECT_DOUBLE_EQ(arc_->p(), 2.0);
  EXPECT_EQ(driver_->evicted().back(), 7u);
  EXPECT_EQ(arc_->GhostListOf(7), 1);
  EXPECT_TRUE(driver_->Contains(4));
}

class ArcSmallTest : public ArcPolicyTest {
 protected:
  ArcSmallTest() : ArcPolicyTest(2) {}
};

TEST_F(ArcSmallTest, CaseIVAWithFullT1DropsWithoutAGhost) {
  Request(1);
  Request(2);  // T1 = [2 1] = c, B1 empty
  Request(3);  // Case IV.A, |T1| = c: 1 leaves the cache and the directory
  EXPECT_EQ(driver_->evicted(), (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(arc_->GhostListOf(1), 0);
  EXPECT_EQ(arc_->b1(), 0u);
  EXPECT_EQ(arc_->t1(), 2u);
}

TEST_F(ArcPolicyTest, DirectoryStaysWithinTwiceTheCapacity) {
  for (std::uint64_t i = 0; i < 5000; ++i) {
    Request((i * 7919) % 23 + (i % 3 == 0 ? 100 : 0));
    ASSERT_LE(arc_->t1() + arc_->b1(), 5u);
    ASSERT_LE(arc_->t1() + arc_->t2() + arc_->b1() + arc_->b2(), 10u);
    ASSERT_GE(arc_->p(), 0.0);
    ASSERT_LE(arc_->p(), 5.0);
  }
}

TEST_F(ArcPolicyTest, ShrinkTrimsGhostsAndTarget) {
  for (std::uint64_t i = 0; i < 200; ++i) Request(i % 9);
  driver_->SetCapacity(2);
  EXPECT_LE(arc_->p(), 2.0);
  EXPECT_LE(arc_->b1() + arc_->b2(), 2u);
  EXPECT_LE(arc_->t1() + arc_->b1(), 2u);
  EXPECT_EQ(arc_->t1() + arc_->t2(), 2u);
}

}  // namespace
}  // namespace adaptrt::cache_testing
