#include "tuning/mrc.h"

#include <algorithm>
#include <cmath>
#include <list>
#include <random>
#include <vector>

#include "cache/trace/trace_reader.h"
#include "gtest/gtest.h"
#include "tests/util/shared_data.h"
#include "tests/tuning/zipf_trace.h"

namespace adaptrt::tuning {
namespace {

// Reference: the LRU stack by brute force.
std::vector<std::optional<uint64_t>> NaiveDistances(const std::vector<uint64_t>& trace) {
  std::list<uint64_t> stack;  // front = most recent
  std::vector<std::optional<uint64_t>> out;
  for (uint64_t key : trace) {
    auto it = std::find(stack.begin(), stack.end(), key);
    if (it == stack.end()) {
      out.push_back(std::nullopt);
    } else {
      out.push_back(static_cast<uint64_t>(std::distance(stack.begin(), it)));
      stack.erase(it);
    }
    stack.push_front(key);
  }
  return out;
}

using test_traces::ZipfTrace;

TEST(ReuseDistanceTracker, MatchesTheNaiveStackAcrossCompactions) {
  std::mt19937_64 rng(1);
  std::vector<uint64_t> trace;
  for (int i = 0; i < 20000; ++i) trace.push_back(rng() % (i < 10000 ? 300 : 3000));
  const auto expected = NaiveDistances(trace);
  ReuseDistanceTracker tracker;
  for (size_t i = 0; i < trace.size(); ++i) {
    ASSERT_EQ(tracker.Access(trace[i]), expected[i]) << "access " << i;
  }
  EXPECT_LE(tracker.size(), 3000u);
}

TEST(ReuseDistanceTracker, EraseForgetsAKey) {
  ReuseDistanceTracker tracker;
  for (uint64_t k : {1, 2, 3}) EXPECT_EQ(tracker.Access(k), std::nullopt);
  tracker.Erase(2);
  EXPECT_EQ(tracker.Access(1), std::optional<uint64_t>(1));  // only 3 in between
  EXPECT_EQ(tracker.Access(2), std::nullopt);
  tracker.Erase(42);  // absent: no-op
  EXPECT_EQ(tracker.size(), 3u);
}

TEST(ExactLruCurve, MatchesAnLruSimulation) {
  const std::vector<uint64_t> trace = ZipfTrace(50000, 5000, 0.8, 2);
  const MissRatioCurve curve = ExactLruCurve(trace);
  for (uint64_t capacity : {1, 10, 100, 1000, 4000, 6000}) {
    LruSimulator sim(capacity);
    uint64_t misses = 0;
    for (uint64_t key : trace) misses += sim.Access(key) ? 0 : 1;
    EXPECT_DOUBLE_EQ(curve.MissRatio(capacity), static_cast<double>(misses) / trace.size())
        << capacity;
  }
  EXPECT_EQ(curve.MissRatio(0), 1.0);
}

TEST(MissRatioCurve, HullIsConvexBelowAndReachesTheSamePoints) {
  // A cliff: nothing until 100, everything after.
  const MissRatioCurve curve = MissRatioCurve::FromHits({{100, 8}, {10, 1}}, 10);
  EXPECT_DOUBLE_EQ(curve.MissRatio(50), 0.9);
  EXPECT_DOUBLE_EQ(curve.MissRatio(100), 0.1);
  const MissRatioCurve hull = curve.ConvexHull();
  // (10, 0.9) lies below the line (0,1)-(100,0.1), so it stays a vertex.
  EXPECT_NEAR(hull.MissRatio(50), 0.9 - 40 * 0.8 / 90, 1e-12);
  EXPECT_NEAR(hull.MissRatio(100), 0.1, 1e-12);
  for (double c = 0; c <= 200; c += 5) EXPECT_LE(hull.MissRatio(c), curve.MissRatio(c) + 1e-12);
  EXPECT_NEAR(*hull.CapacityFor(0.55), 10 + 0.35 / 0.8 * 90, 1e-9);
  // A pure cliff: the hull is the straight line.
  const MissRatioCurve cliff = MissRatioCurve::FromHits({{100, 9}}, 10).ConvexHull();
  EXPECT_NEAR(cliff.MissRatio(50), 0.55, 1e-12);
  EXPECT_EQ(*curve.CapacityFor(0.55), 100);
  EXPECT_EQ(curve.CapacityFor(0.05), std::nullopt);
}

// SHARDS against the exact curve at R = 0.01 on 1M+ requests.
void ExpectShardsAccurate(const std::vector<uint64_t>& trace, const MissRatioCurve& exact,
                          double max_mae, size_t max_keys) {
  ShardsOptions options;
  options.rate = max_keys == 0 ? 0.01 : 0.1;
  options.max_keys = max_keys;
  Shards shards(options);
  for (uint64_t key : trace) shards.Access(key);
  const std::vector<double> capacities = EvenCapacities(exact.points().back().capacity, 100);
  const double mae = MeanAbsoluteError(shards.Curve(), exact, capacities);
  EXPECT_LE(mae, max_mae);
  if (max_keys > 0) {
    EXPECT_LE(shards.sampled_keys(), max_keys);
  }
  std::cout << "requests " << trace.size() << ", final rate " << shards.rate()
            << ", sampled keys " << shards.sampled_keys() << ", MAE " << mae << "\n";
}

TEST(Shards, FixedRateAndFixedSizeOnZipf) {
  const std::vector<uint64_t> trace = ZipfTrace(1'050'000, 100'000, 0.9, 3);
  const MissRatioCurve exact = ExactLruCurve(trace);
  ExpectShardsAccurate(trace, exact, 0.01, 0);
  ExpectShardsAccurate(trace, exact, 0.02, 8192);
}

TEST(Shards, FixedRateOnOltp) {
  const std::optional<std::string> path = testing::SharedFile("traces/arc/OLTP.lis");
  if (!path.has_value()) GTEST_SKIP() << testing::SharedFileMissingMessage("traces/arc/OLTP.lis");
  absl::StatusOr<cache_trace::Trace> read =
      cache_trace::ReadTrace(*path, cache_trace::TraceFormat::kLis);
  ASSERT_TRUE(read.ok()) << read.status();
  const std::vector<uint64_t>* trace = &read->keys;
  ASSERT_EQ(trace->size(), 914145u);
  // Exact LRU reproduces the ARC paper's LRU column (Table IV).
  const MissRatioCurve exact = ExactLruCurve(*trace);
  EXPECT_NEAR(exact.HitRatio(1000), 0.3283, 5e-5);
  EXPECT_NEAR(exact.HitRatio(5000), 0.5365, 5e-5);
  EXPECT_NEAR(exact.HitRatio(15000), 0.6463, 5e-5);
  // The trace twice over (1.8M requests) and once.
  std::vector<uint64_t> doubled = *trace;
  doubled.insert(doubled.end(), trace->begin(), trace->end());
  ExpectShardsAccurate(*trace, exact, 0.01, 0);
  ExpectShardsAccurate(*trace, exact, 0.02, 8192);
  ExpectShardsAccurate(doubled, ExactLruCurve(doubled), 0.01, 0);
}

TEST(Shards, AdjustmentAndDecay) {
  const std::vector<uint64_t> trace = ZipfTrace(200000, 20000, 0.9, 5);
  ShardsOptions options;
  options.rate = 0.05;
  Shards adjusted(options);
  options.adjust = false;
  Shards raw(options);
  for (uint64_t key : trace) {
    adjusted.Access(key);
    raw.Access(key);
  }
  EXPECT_EQ(adjusted.requests(), trace.size());
  EXPECT_NEAR(adjusted.rate(), 0.05, 1e-6);
  const MissRatioCurve exact = ExactLruCurve(trace);
  const std::vector<double> caps = EvenCapacities(20000, 50);
  EXPECT_LE(MeanAbsoluteError(adjusted.Curve(), exact, caps), 0.01);
  // Decay keeps the shape (all weights scale together).
  const MissRatioCurve before = adjusted.Curve();
  adjusted.Decay(0.5);
  EXPECT_LE(MeanAbsoluteError(before, adjusted.Curve(), caps), 1e-9);
}

// Hot keys in the sample: more sampled references than N x R, by far more
// than the first bucket holds. SHARDS_adj must take the whole deficit off the
// hits (it used to clamp the first bucket at zero and lose the rest, which
// put the curve up to 0.2 below the exact one on OLTP at some seeds).
TEST(Shards, AdjustmentDeficitLargerThanTheFirstBucket) {
  std::vector<uint64_t> trace = ZipfTrace(300000, 100000, 0.6, 8);
  ShardsOptions options;
  options.rate = 0.01;
  Shards probe(options);
  std::vector<uint64_t> hot;  // two keys that pass the filter
  for (uint64_t k = 1; hot.size() < 2; ++k) {
    if (probe.Sampled(k * 0x51afd7ed558ccd1dull)) hot.push_back(k * 0x51afd7ed558ccd1dull);
  }
  std::vector<uint64_t> mixed;
  for (size_t i = 0; i < trace.size(); ++i) {
    mixed.push_back(trace[i]);
    if (i % 10 == 0) mixed.push_back(hot[(i / 10) % 2]);  // reuse distance >= 1
  }
  Shards shards(options);
  for (uint64_t key : mixed) shards.Access(key);
  ASSERT_GT(shards.sampled_weight(), 2.0 * mixed.size() * shards.rate());
  const MissRatioCurve exact = ExactLruCurve(mixed);
  const MissRatioCurve estimate = shards.Curve();
  const double all = exact.points().back().capacity;
  EXPECT_NEAR(estimate.MissRatio(all), exact.MissRatio(all), 0.02);
  EXPECT_LE(MeanAbsoluteError(estimate, exact, EvenCapacities(all, 20)), 0.03);
}

TEST(MiniSimulation, LruMatchesExactCurve) {
  const std::vector<uint64_t> trace = ZipfTrace(400000, 50000, 0.9, 6);
  const MissRatioCurve exact = ExactLruCurve(trace);
  const std::vector<double> caps = EvenCapacities(50000, 20);
  const MissRatioCurve mini = MiniSimulationCurve(trace, LruFactory(), caps, 0.05);
  EXPECT_LE(MeanAbsoluteError(mini, exact, caps), 0.02);
}

}  // namespace
}  // namespace adaptrt::tuning
