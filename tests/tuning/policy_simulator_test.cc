// Mini-simulations of cache/policy's LRU, LFU and ARC against exact replays.
// The bounds are the mean absolute errors measured on these exact traces
// (deterministic: fixed trace seeds and hash seed) plus a margin; the
// measured values are printed and listed in docs/tuning.md.

#include "tuning/policy_simulator.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "cache/policy/policy.h"
#include "cache/trace/replayer.h"
#include "cache/trace/trace_reader.h"
#include "gtest/gtest.h"
#include "tests/tuning/zipf_trace.h"
#include "tests/util/shared_data.h"
#include "tuning/cache_tuner.h"
#include "tuning/mrc.h"

namespace adaptrt::tuning {
namespace {

using cache::PolicyKind;
using test_traces::ZipfTrace;

constexpr PolicyKind kPolicies[] = {PolicyKind::kLru, PolicyKind::kLfu, PolicyKind::kArc};

// The simulator runs the production policy code with the shard's protocol:
// its hit counts equal the production cache's replay (one shard, exact
// access order), request for request.
TEST(CachePolicySimulator, MatchesTheProductionCacheReplay) {
  cache_trace::Trace trace;
  trace.keys = ZipfTrace(60000, 8000, 0.8, 11);
  // A scan through the middle: ARC and LFU must resist it, LRU not.
  for (uint64_t k = 0; k < 3000; ++k) trace.keys.insert(trace.keys.begin() + 30000, 1 + k * 2);
  for (PolicyKind kind : kPolicies) {
    for (uint64_t capacity : {1, 7, 100, 1000, 5000}) {
      CachePolicySimulator sim(kind, capacity);
      uint64_t hits = 0;
      for (uint64_t key : trace.keys) hits += sim.Access(key) ? 1 : 0;
      EXPECT_LE(sim.size(), capacity);
      absl::StatusOr<cache_trace::ReplayResult> replay =
          cache_trace::Replay(trace, kind, capacity, /*bytes=*/false);
      ASSERT_TRUE(replay.ok()) << replay.status();
      EXPECT_EQ(hits, replay->hits) << cache::PolicyKindName(kind) << " at " << capacity;
    }
  }
}

TEST(CachePolicySimulator, LruSimulatorAgrees) {
  const std::vector<uint64_t> trace = ZipfTrace(30000, 3000, 0.9, 12);
  for (uint64_t capacity : {1, 50, 500, 2000}) {
    CachePolicySimulator real(PolicyKind::kLru, capacity);
    LruSimulator reference(capacity);
    for (uint64_t key : trace) ASSERT_EQ(real.Access(key), reference.Access(key));
  }
}

struct Accuracy {
  double mae_1pct = 0;   // R = 0.01
  double mae_10pct = 0;  // R = 0.1
};

// MAE of the mini-simulation of `kind` against the exact curve (a full-size
// simulation per capacity) at R = 0.01 and 0.1.
Accuracy MeasureMiniSimulation(const std::vector<uint64_t>& trace, PolicyKind kind,
                               const std::vector<double>& capacities, const char* name) {
  const MissRatioCurve exact = ExactPolicyCurve(trace, kind, capacities);
  Accuracy a;
  a.mae_1pct = MeanAbsoluteError(
      MiniSimulationCurve(trace, CachePolicyFactory(kind), capacities, 0.01), exact, capacities);
  a.mae_10pct = MeanAbsoluteError(
      MiniSimulationCurve(trace, CachePolicyFactory(kind), capacities, 0.1), exact, capacities);
  std::printf("%s %s: MAE %.4f at R=0.01, %.4f at R=0.1 over %zu capacities\n", name,
              std::string(cache::PolicyKindName(kind)).c_str(), a.mae_1pct, a.mae_10pct,
              capacities.size());
  return a;
}

// Zipf(0.9) over 300K keys, 600K requests.
TEST(MiniSimulation, AccurateOnZipf) {
  const std::vector<uint64_t> trace = ZipfTrace(600'000, 300'000, 0.9, 21);
  const std::vector<double> capacities = EvenCapacities(60'000, 6);
  // Measured (docs/tuning.md): lru 0.0035 / 0.0012, lfu 0.0032 / 0.0010,
  // arc 0.0039 / 0.0014 (R = 0.01 / 0.1).
  for (PolicyKind kind : kPolicies) {
    const Accuracy a = MeasureMiniSimulation(trace, kind, capacities, "zipf");
    EXPECT_LE(a.mae_1pct, 0.02) << cache::PolicyKindName(kind);
    EXPECT_LE(a.mae_10pct, 0.01) << cache::PolicyKindName(kind);
  }
}

// ARC's OLTP trace (914K requests), capacities 1K..20K as in the ARC paper.
TEST(MiniSimulation, AccuracyOnOltp) {
  const char kTrace[] = "traces/arc/OLTP.lis";
  const std::optional<std::string> path = testing::SharedFile(kTrace);
  if (!path.has_value()) GTEST_SKIP() << testing::SharedFileMissingMessage(kTrace);
  absl::StatusOr<cache_trace::Trace> trace =
      cache_trace::ReadTrace(*path, cache_trace::TraceFormat::kLis);
  ASSERT_TRUE(trace.ok()) << trace.status();
  const std::vector<double> capacities = EvenCapacities(20000, 5);
  const Accuracy lru = MeasureMiniSimulation(trace->keys, PolicyKind::kLru, capacities, "oltp");
  const Accuracy arc = MeasureMiniSimulation(trace->keys, PolicyKind::kArc, capacities, "oltp");
  const Accuracy lfu = MeasureMiniSimulation(trace->keys, PolicyKind::kLfu, capacities, "oltp");
  EXPECT_LE(lru.mae_1pct, 0.02);
  EXPECT_LE(lru.mae_10pct, 0.02);
  EXPECT_LE(arc.mae_1pct, 0.02);
  EXPECT_LE(arc.mae_10pct, 0.02);
  // In-cache LFU is not scale-invariant on OLTP: once the cache is full of
  // entries seen twice, every miss evicts the previous newcomer, and that one
  // slot is a far larger share of a scaled-down cache (docs/tuning.md). The
  // mini-simulation overestimates its hit ratio; R = 0.1 halves the error.
  EXPECT_LE(lfu.mae_1pct, 0.16);
  EXPECT_LE(lfu.mae_10pct, 0.08);
  EXPECT_LT(lfu.mae_10pct, lfu.mae_1pct);
  // The remedy the tools use: LFU at MiniSimulationRateFor's floor (0.3),
  // as accurate as LRU and ARC at 0.01 (measured 0.0112 here).
  const double floor_rate = MiniSimulationRateFor(PolicyKind::kLfu, 0.01);
  ASSERT_EQ(floor_rate, kLfuMinMiniSimulationRate);
  const double lfu_floor = MeanAbsoluteError(
      MiniSimulationCurve(trace->keys, CachePolicyFactory(PolicyKind::kLfu), capacities,
                          floor_rate),
      ExactPolicyCurve(trace->keys, PolicyKind::kLfu, capacities), capacities);
  std::printf("oltp lfu: MAE %.4f at R=%g (the LFU floor)\n", lfu_floor, floor_rate);
  EXPECT_LE(lfu_floor, 0.02);
}

TEST(MiniSimulation, RateForRaisesOnlyLfu) {
  for (double r : {0.001, 0.01, 0.1, 0.5, 1.0}) {
    EXPECT_EQ(MiniSimulationRateFor(PolicyKind::kLru, r), r);
    EXPECT_EQ(MiniSimulationRateFor(PolicyKind::kArc, r), r);
    EXPECT_EQ(MiniSimulationRateFor(PolicyKind::kLfu, r), std::max(r, kLfuMinMiniSimulationRate));
    EXPECT_EQ(MiniSimulationRateFor(PolicyKind::kLfu, r, /*lfu_min_rate=*/0), r);  // off
  }
  EXPECT_EQ(MiniSimulationRateFor(PolicyKind::kLfu, 0.01, 2.0), 1.0);  // capped
}

// The tuner chooses the policy from mini-simulation curves, and chooses what
// the exact curves would have chosen.
TEST(DecidePolicyAndTierSizes, ChoosesFromMiniSimulationsAsFromExactCurves) {
  // A Zipf hot set with one-time keys interleaved (one per two requests):
  // LRU lets them flush the hot set; ARC and LFU keep it.
  std::vector<uint64_t> trace;
  const std::vector<uint64_t> hot = ZipfTrace(200'000, 10'000, 0.8, 31);
  uint64_t scan_key = uint64_t{1} << 40;
  for (size_t i = 0; i < hot.size(); ++i) {
    trace.push_back(hot[i]);
    if (i % 2 == 0) trace.push_back(scan_key++ * 0x9e3779b97f4a7c15ull);
  }
  const std::vector<double> capacities = EvenCapacities(10'000, 5);
  std::vector<PolicyCurve> mini, exact;
  for (PolicyKind kind : kPolicies) {
    exact.push_back({kind, ExactPolicyCurve(trace, kind, capacities)});
    mini.push_back({kind, MiniSimulationCurve(trace, CachePolicyFactory(kind), capacities, 0.1)});
  }
  CacheTunerOptions options;
  options.target_hit_rate = 0.5;
  constexpr uint64_t kMb = 1 << 20;
  const CacheDecision from_exact = DecidePolicyAndTierSizes(exact, 1024, 64 * kMb, 0, options);
  const CacheDecision from_mini = DecidePolicyAndTierSizes(mini, 1024, 64 * kMb, 0, options);
  std::printf("exact: %s\nmini:  %s\n", from_exact.reason.c_str(), from_mini.reason.c_str());
  EXPECT_NE(from_exact.policy, PolicyKind::kLru);
  EXPECT_EQ(from_mini.policy, from_exact.policy);
  EXPECT_EQ(from_mini.target_reached, from_exact.target_reached);
  // The predicted hit rate holds on the exact curve of the chosen policy.
  const MissRatioCurve& chosen_exact =
      exact[from_mini.policy == PolicyKind::kLfu ? 1 : 2].curve;
  EXPECT_NEAR(from_mini.predicted_hit_rate,
              chosen_exact.HitRatio(static_cast<double>(from_mini.sizes.total()) / 1024), 0.03);
}

}  // namespace
}  // namespace adaptrt::tuning
