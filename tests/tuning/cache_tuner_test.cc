#include "tuning/cache_tuner.h"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <random>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace adaptrt::tuning {
namespace {

constexpr uint64_t kMb = 1ull << 20;

// Uniform reuse over `keys` keys: miss ratio 1 - c / keys, in steps.
MissRatioCurve UniformCurve(double keys, double step) {
  std::vector<MissRatioCurve::Point> points;
  for (double c = step; c <= keys; c += step) points.push_back({c, 1 - c / keys});
  return MissRatioCurve::FromPoints(points, false);
}

TEST(OriginalRule, ThirtyPercentSplitAndClamped) {
  const TierSizes big = OriginalRule(16000 * kMb);  // 4800 MB
  EXPECT_EQ(big.l1_bytes, 480 * kMb);
  EXPECT_EQ(big.l2_bytes, 1440 * kMb);
  EXPECT_EQ(big.l3_bytes, 2880 * kMb);
  const TierSizes small = OriginalRule(1000 * kMb);  // 300 MB: every tier at its minimum
  EXPECT_EQ(small.l1_bytes, 50 * kMb);
  EXPECT_EQ(small.l2_bytes, 200 * kMb);
  EXPECT_EQ(small.l3_bytes, 500 * kMb);
  const TierSizes huge = OriginalRule(100000 * kMb);
  EXPECT_EQ(huge, (TierSizes{500 * kMb, 2000 * kMb, 8000 * kMb}));
}

TEST(SplitTotal, TenThirtySixtyWithCaps) {
  EXPECT_EQ(SplitTotal(100 * kMb), (TierSizes{10 * kMb, 30 * kMb, 60 * kMb}));
  // L1 capped at 500: its overflow goes to L3.
  EXPECT_EQ(SplitTotal(6000 * kMb), (TierSizes{500 * kMb, 1800 * kMb, 3700 * kMb}));
  EXPECT_EQ(SplitTotal(20000 * kMb), (TierSizes{500 * kMb, 2000 * kMb, 8000 * kMb}));
}

TEST(DecideTierSizes, LeastMemoryReachingTheTarget) {
  const CacheDecision d = DecideTierSizes(UniformCurve(100000, 1000), 1024,
                                          /*budget=*/1024 * kMb, /*available=*/8000 * kMb);
  EXPECT_TRUE(d.target_reached);
  EXPECT_EQ(d.sizes.total(), 80000u * 1024);
  EXPECT_NEAR(d.predicted_hit_rate, 0.8, 1e-9);
  EXPECT_EQ(d.original, OriginalRule(8000 * kMb));
  EXPECT_NEAR(d.original_hit_rate, 1.0, 1e-9);  // 2400 MB holds all 100K entries
  EXPECT_TRUE(absl::StartsWith(d.reason, "least memory reaching the 80% target")) << d.reason;
}

TEST(DecideTierSizes, CliffUsesTheHullVertex) {
  // A loop of 50K entries: LRU gets nothing below, everything above.
  const MissRatioCurve cliff = MissRatioCurve::FromPoints({{50000, 0.02}}, false);
  const CacheDecision d = DecideTierSizes(cliff, 4096, 1024 * kMb, 8000 * kMb);
  EXPECT_TRUE(d.target_reached);
  EXPECT_EQ(d.sizes.total(), 50000u * 4096);
  EXPECT_NEAR(d.predicted_hit_rate, 0.98, 1e-9);
}

TEST(DecideTierSizes, OutOfReachTakesTheKneeWithinTheBudget) {
  // Steep all the way: the whole budget.
  const CacheDecision steep = DecideTierSizes(UniformCurve(1e6, 1000), 1024, 100 * kMb, 0);
  EXPECT_FALSE(steep.target_reached);
  EXPECT_EQ(steep.sizes.total(), 100 * kMb);
  EXPECT_TRUE(absl::StrContains(steep.reason, "out of reach")) << steep.reason;
  // Diminishing returns: 50% hits at 10 MB, then 0.1 point per 10 MB.
  const MissRatioCurve flat = MissRatioCurve::FromPoints(
      {{10240, 0.5}, {20480, 0.499}, {102400, 0.49}}, false);
  const CacheDecision knee = DecideTierSizes(flat, 1024, 100 * kMb, 0);
  EXPECT_FALSE(knee.target_reached);
  EXPECT_EQ(knee.sizes.total(), 10 * kMb);
  EXPECT_NEAR(knee.predicted_hit_rate, 0.5, 1e-9);
}

TEST(DecideTierSizes, NoCurveKeepsTheOriginalRuleWithinTheBudget) {
  const CacheDecision d = DecideTierSizes(MissRatioCurve(), 1024, 400 * kMb, 8000 * kMb);
  EXPECT_EQ(d.sizes.total(), 400 * kMb);
  EXPECT_LE(d.sizes.l1_bytes, 500 * kMb);
}

TEST(DecidePolicyAndTierSizes, LeastMemoryAmongPoliciesReachingTheTarget) {
  using cache::PolicyKind;
  // LRU reaches 80% at 80K entries, ARC at 50K, LFU never (flat at 60%).
  const std::vector<PolicyCurve> curves = {
      {PolicyKind::kLru, UniformCurve(100000, 1000)},
      {PolicyKind::kLfu, MissRatioCurve::FromPoints({{1000, 0.4}}, false)},
      {PolicyKind::kArc, MissRatioCurve::FromPoints({{20000, 0.5}, {50000, 0.19}}, false)}};
  const CacheDecision d = DecidePolicyAndTierSizes(curves, 1024, 1024 * kMb, 8000 * kMb);
  EXPECT_EQ(d.policy, PolicyKind::kArc);
  EXPECT_TRUE(d.target_reached);
  EXPECT_EQ(d.sizes.total(), 50000u * 1024);
  EXPECT_NEAR(d.predicted_hit_rate, 0.81, 1e-9);
  EXPECT_TRUE(absl::StartsWith(d.reason, "policy arc (candidates: lru 78.1 MB 80.0% (target), "
                                         "lfu "))
      << d.reason;
}

TEST(DecidePolicyAndTierSizes, OutOfReachPrefersTheHigherHitRateThenLessMemory) {
  using cache::PolicyKind;
  const MissRatioCurve lfu = MissRatioCurve::FromPoints({{10240, 0.45}}, false);  // 55% at 10 MB
  const MissRatioCurve arc = MissRatioCurve::FromPoints({{10240, 0.5}, {51200, 0.4}}, false);
  // Out of reach within 100 MB for both: ARC's 60% beats LFU's 55%.
  CacheDecision d = DecidePolicyAndTierSizes(
      {{PolicyKind::kLfu, lfu}, {PolicyKind::kArc, arc}}, 1024, 100 * kMb, 0);
  EXPECT_EQ(d.policy, PolicyKind::kArc);
  EXPECT_FALSE(d.target_reached);
  EXPECT_NEAR(d.predicted_hit_rate, 0.6, 1e-9);
  // Within the tie margin (0.5 point) the policy needing less memory wins.
  const MissRatioCurve near = MissRatioCurve::FromPoints({{10240, 0.52}, {51200, 0.448}}, false);
  d = DecidePolicyAndTierSizes({{PolicyKind::kArc, near}, {PolicyKind::kLfu, lfu}}, 1024,
                               100 * kMb, 0);
  EXPECT_EQ(d.policy, PolicyKind::kLfu);
  EXPECT_EQ(d.sizes.total(), 10 * kMb);
  // Identical curves: the first listed wins.
  d = DecidePolicyAndTierSizes({{PolicyKind::kLru, lfu}, {PolicyKind::kArc, lfu}}, 1024,
                               100 * kMb, 0);
  EXPECT_EQ(d.policy, PolicyKind::kLru);
}

TEST(CacheController, DecidesFromSampledKeysAndScalesBySamplingRate) {
  // Uniform over 40K keys, 1 KB each; the source forwards a 25% spatial sample.
  // Decisions every 200K accesses, weights halved after each: cold misses of
  // the first window fade, the steady state shows.
  CacheControllerOptions options;
  options.decision_accesses = 200000;
  CacheController controller(options);
  std::mt19937_64 rng(1);
  std::optional<CacheDecision> decision;
  const auto hash = [](uint64_t k) { return (k + 1) * 0x9e3779b97f4a7c15ull; };
  for (int round = 0; round < 20; ++round) {
    CacheSample s;
    s.hits = 78;  // what the (imaginary) cache reports for the window
    s.misses = 22;
    s.mean_entry_bytes = 1024;
    s.key_sampling_rate = 0.25;
    for (int i = 0; i < 100000; ++i) {
      const uint64_t key = rng() % 40000;
      if (key % 4 == 0) s.key_hashes.push_back(hash(key));  // every access of 1/4 of keys
    }
    if (auto d = controller.Step(s, 1024 * kMb, 8000 * kMb)) decision = d;
  }
  ASSERT_TRUE(decision.has_value());
  EXPECT_TRUE(decision->target_reached) << decision->reason;
  // 80% of 40K keys = 32K entries = 31.25 MB.
  EXPECT_NEAR(static_cast<double>(controller.last()->total()) / kMb, 31.25, 2.0)
      << decision->reason;
  // Predicted vs measured.
  EXPECT_EQ(decision->measured_hit_rate, std::optional<double>(0.78));
  ASSERT_TRUE(decision->previous_prediction.has_value());
  EXPECT_NEAR(*decision->previous_prediction, 0.8, 0.01);
  EXPECT_TRUE(absl::StrContains(decision->reason, "measured hit rate 78.0% since the last "
                                                  "decision (predicted 8"))
      << decision->reason;
}

// A hot set of 4K keys (Zipf 0.8) with one-time keys interleaved, one per
// hot access: they flush an LRU cache, ARC and LFU keep the hot set. The
// source forwards every access.
CacheSample HotSetWithOneTimeKeys(std::mt19937_64& rng, uint64_t* next_one_time, int accesses) {
  static const std::vector<double> cdf = [] {
    std::vector<double> c;
    double sum = 0;
    for (int i = 1; i <= 4000; ++i) c.push_back(sum += std::pow(i, -0.8));
    return c;
  }();
  CacheSample s;
  s.mean_entry_bytes = 1024;
  std::uniform_real_distribution<double> u(0, cdf.back());
  for (int i = 0; i < accesses; i += 2) {
    const uint64_t rank = std::lower_bound(cdf.begin(), cdf.end(), u(rng)) - cdf.begin();
    s.key_hashes.push_back((rank + 1) * 0x9e3779b97f4a7c15ull);
    s.key_hashes.push_back((*next_one_time)++ * 0xc2b2ae3d27d4eb4full);
  }
  return s;
}

TEST(CacheController, RecommendsAPolicyThatBeatsTheLiveOne) {
  CacheControllerOptions options;
  options.decision_accesses = 50000;
  options.tuner.target_hit_rate = 0.4;  // half the requests are one-time keys
  options.minisim_window = 40000;
  options.minisim_capacities = 10;
  options.candidate_policies = {cache::PolicyKind::kLru, cache::PolicyKind::kLfu,
                                cache::PolicyKind::kArc};
  CacheController controller(options);
  std::mt19937_64 rng(4);
  uint64_t next = 1;
  std::optional<CacheDecision> decision;
  for (int round = 0; round < 4; ++round) {
    if (auto d = controller.Step(HotSetWithOneTimeKeys(rng, &next, 25000), 64 * kMb,
                                 8000 * kMb)) {
      decision = d;
    }
  }
  ASSERT_TRUE(decision.has_value());
  EXPECT_EQ(decision->policy, cache::PolicyKind::kLru);  // sizes for the live cache
  ASSERT_TRUE(decision->recommended_policy.has_value()) << decision->reason;
  EXPECT_NE(*decision->recommended_policy, cache::PolicyKind::kLru);
  EXPECT_TRUE(absl::StrContains(decision->reason, "would do better than the live lru"))
      << decision->reason;

  // The same stream with ARC live: no recommendation, ARC's own curve sizes
  // the tiers (less memory than LRU needed for the same target).
  options.live_policy = cache::PolicyKind::kArc;
  CacheController arc(options);
  std::mt19937_64 rng2(4);
  next = 1;
  std::optional<CacheDecision> arc_decision;
  for (int round = 0; round < 4; ++round) {
    if (auto d = arc.Step(HotSetWithOneTimeKeys(rng2, &next, 25000), 64 * kMb, 8000 * kMb)) {
      arc_decision = d;
    }
  }
  ASSERT_TRUE(arc_decision.has_value());
  EXPECT_EQ(arc_decision->policy, cache::PolicyKind::kArc);
  EXPECT_FALSE(arc_decision->recommended_policy.has_value()) << arc_decision->reason;
  EXPECT_TRUE(arc_decision->target_reached) << arc_decision->reason;
  EXPECT_LT(arc_decision->sizes.total(), decision->sizes.total())
      << arc_decision->reason << "\n" << decision->reason;
  std::cout << decision->reason << "\n" << arc_decision->reason << "\n";
}

}  // namespace
}  // namespace adaptrt::tuning
