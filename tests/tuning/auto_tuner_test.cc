// The auto-tuner's controller step with injected time and samples: no
// threads, no sleeping.

#include "tuning/auto_tuner.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace adaptrt::tuning {
namespace {

constexpr uint64_t kMb = 1ull << 20;

// Uniform accesses over `keys` keys of 1 KB, all forwarded.
CacheSample UniformAccesses(std::mt19937_64& rng, uint64_t keys, int accesses,
                            uint64_t key_base) {
  CacheSample s;
  s.mean_entry_bytes = 1024;
  s.key_sampling_rate = 1.0;
  s.key_hashes.reserve(accesses);
  for (int i = 0; i < accesses; ++i) {
    s.key_hashes.push_back((key_base + rng() % keys) * 0x9e3779b97f4a7c15ull);
  }
  return s;
}

TEST(AutoTunerController, TierSizesFollowAShiftingWorkingSetWithinTheBudget) {
  AutoTunerOptions options;
  options.cache_budget_bytes = 200 * kMb;
  AutoTunerController controller(options, 4);
  ASSERT_EQ(controller.cache_budget_bytes(), 200 * kMb);
  std::mt19937_64 rng(1);
  absl::Time now = absl::UnixEpoch();
  struct Phase {
    uint64_t keys;
    double expected_mb;  // 80% of the working set, or the budget
  };
  // New key ranges per phase: the old working set really goes away.
  const Phase phases[] = {{20000, 20000 * 0.8 / 1024},
                          {100000, 100000 * 0.8 / 1024},
                          {1000000, 200},
                          {20000, 20000 * 0.8 / 1024}};
  uint64_t base = 0;
  int decisions = 0;
  for (const Phase& phase : phases) {
    for (int step = 0; step < 30; ++step) {
      now += absl::Seconds(1);
      const AutoTunerController::Output out =
          controller.Step(now, std::nullopt, UniformAccesses(rng, phase.keys, 50000, base));
      if (out.tiers.has_value()) {
        ++decisions;
        EXPECT_LE(out.tiers->total(), 200 * kMb);
        EXPECT_LE(out.tiers->l1_bytes, 500 * kMb);
        EXPECT_FALSE(out.decisions.empty());
        for (const Decision& d : out.decisions) {
          EXPECT_TRUE(absl::StartsWith(d.knob, "cache.l")) << d.knob;
          EXPECT_TRUE(absl::StrContains(d.reason, "budget 200.0 MB")) << d.reason;
        }
      }
    }
    ASSERT_TRUE(controller.tiers().has_value());
    const double total_mb = static_cast<double>(controller.tiers()->total()) / kMb;
    EXPECT_NEAR(total_mb, phase.expected_mb, 0.15 * phase.expected_mb)
        << "working set " << phase.keys;
    // 10/30/60 split.
    EXPECT_NEAR(static_cast<double>(controller.tiers()->l1_bytes) / kMb, 0.1 * total_mb, 0.01);
    base += phase.keys;
  }
  EXPECT_GE(decisions, 4);
}

TEST(AutoTunerController, GrowsWorkersForAnIoBoundExecutor) {
  // 4 CPUs, tasks use the CPU 25% of their time: throughput grows to 16.
  AutoTunerOptions options;
  options.workers.max_workers = 64;
  AutoTunerController controller(options, 4);
  absl::Time now = absl::UnixEpoch();
  int workers = 4;
  std::mt19937_64 rng(2);
  std::normal_distribution<double> noise(0, 0.02);
  std::vector<Decision> decisions;
  for (int i = 0; i < 300; ++i) {
    now += absl::Milliseconds(250);
    ExecutorSample s;
    s.workers = workers;
    s.window = absl::Milliseconds(250);
    s.throughput = 100.0 * std::min(workers, 16) * (1 + noise(rng));
    s.cpu_utilization = std::min(1.0, workers * 0.25 / 4);
    AutoTunerController::Output out = controller.Step(now, s, std::nullopt);
    if (out.workers.has_value()) workers = *out.workers;
    for (Decision& d : out.decisions) decisions.push_back(d);
  }
  EXPECT_GT(controller.climber().best(), 4);
  EXPECT_GE(controller.climber().best(), 14);
  ASSERT_FALSE(decisions.empty());
  EXPECT_EQ(decisions[0].knob, "workers");
  EXPECT_EQ(decisions[0].from, 4);
  EXPECT_FALSE(decisions[0].reason.empty());
}

TEST(AutoTunerController, LatencyTargetMinimizesLatency) {
  // Latency is lowest at 6 workers; throughput would prefer 12.
  AutoTunerOptions options;
  options.target = TuningTarget::kLatency;
  options.workers.model_min_counts = 0;
  AutoTunerController controller(options, 10);
  absl::Time now = absl::UnixEpoch();
  int workers = 10;
  for (int i = 0; i < 400; ++i) {
    now += absl::Milliseconds(250);
    ExecutorSample s;
    s.workers = workers;
    s.throughput = 100.0 * std::min(workers, 12);
    s.mean_run_ms = 5 + std::abs(workers - 6) * 2.0;
    AutoTunerController::Output out = controller.Step(now, s, std::nullopt);
    if (out.workers.has_value()) workers = *out.workers;
  }
  EXPECT_EQ(controller.climber().best(), 6);
}

TEST(DecisionLog, IsBounded) {
  DecisionLog log(3);
  for (int i = 0; i < 10; ++i) log.Add({absl::UnixEpoch(), "workers", double(i), double(i + 1),
                                        "r", true, ""});
  const std::vector<Decision> entries = log.Snapshot();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries.front().from, 7);
  EXPECT_EQ(log.total(), 10u);
}

// Knobs over plain values: what runtime/ will implement over the real cache
// and executor.
class ValueCapacityKnob : public CapacityKnob {
 public:
  absl::Status SetCapacity(uint64_t bytes) override {
    if (bytes < floor) return absl::FailedPreconditionError("below the pinned charge");
    value = bytes;
    return absl::OkStatus();
  }
  uint64_t capacity() const override { return value; }
  uint64_t value = 0;
  uint64_t floor = 0;
};

class ScriptedCacheSource : public CacheSampleSource {
 public:
  CacheSample SampleCache(absl::Time) override { return UniformAccesses(rng, 20000, 60000, 0); }
  std::mt19937_64 rng{3};
};

TEST(AutoTuner, RunOnceAppliesAndLogsKnobFailures) {
  ValueCapacityKnob l1, l2, l3;
  l3.floor = 1ull << 40;  // L3 refuses everything
  ScriptedCacheSource source;
  AutoTunerOptions options;
  options.cache_budget_bytes = 100 * kMb;
  options.cache.decision_accesses = 100000;
  auto tuner = AutoTuner::Create(options, {nullptr, nullptr, &source, &l1, &l2, &l3});
  ASSERT_TRUE(tuner.ok()) << tuner.status();
  absl::Time now = absl::UnixEpoch();
  for (int i = 0; i < 4; ++i) (*tuner)->RunOnce(now += absl::Seconds(1));
  EXPECT_GT(l1.value, 0u);
  EXPECT_GT(l2.value, 0u);
  EXPECT_EQ(l3.value, 0u);
  bool saw_failure = false;
  for (const Decision& d : (*tuner)->log()) {
    if (d.knob == "cache.l3") {
      EXPECT_FALSE(d.applied);
      EXPECT_EQ(d.error, "below the pinned charge");
      saw_failure = true;
    }
  }
  EXPECT_TRUE(saw_failure);
  EXPECT_EQ((*tuner)->iterations(), 4u);
}

TEST(AutoTuner, CreateValidatesWiring) {
  ValueCapacityKnob l1;
  ScriptedCacheSource source;
  EXPECT_FALSE(AutoTuner::Create({}, {nullptr, nullptr, &source, &l1, nullptr, nullptr}).ok());
  AutoTunerOptions bad;
  bad.period = absl::ZeroDuration();
  EXPECT_FALSE(AutoTuner::Create(bad, {}).ok());
}

}  // namespace
}  // namespace adaptrt::tuning
