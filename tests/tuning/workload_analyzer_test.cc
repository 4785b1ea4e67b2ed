#include "tuning/workload_analyzer.h"

#include <cmath>
#include <random>
#include <vector>

#include "absl/strings/match.h"
#include "cache/trace/trace_reader.h"
#include "gtest/gtest.h"
#include "tests/util/shared_data.h"

namespace adaptrt::tuning {
namespace {

TEST(ClassifyExecution, FromCpuAndWallTime) {
  const ExecutionClassification cpu = ClassifyExecution(9.5, 10);
  EXPECT_TRUE(cpu.known);
  EXPECT_EQ(cpu.type, TaskType::kCpuBound);
  EXPECT_NEAR(cpu.blocking_ratio, 0.05, 1e-12);
  EXPECT_EQ(cpu.explanation,
            "CPU-bound: tasks spent 9.5 s on CPU of 10.0 s wall, blocking 5% of the time");
  EXPECT_EQ(ClassifyExecution(2, 10).type, TaskType::kIoBound);
  EXPECT_EQ(ClassifyExecution(5, 10).type, TaskType::kMixed);
  EXPECT_FALSE(ClassifyExecution(0, 0).known);
}

TEST(SpaceSaving, FindsTheHeavyHittersWithBoundedError) {
  SpaceSaving ss(64);  // guarantees every key above N / 64 = 1.6%
  std::mt19937_64 rng(1);
  // Keys 1..5 take 10%, 8%, 6%, 4%, 2%; the rest is uniform noise over 100K keys.
  const double shares[] = {0.10, 0.08, 0.06, 0.04, 0.02};
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<uint64_t> truth(6, 0);
  for (int i = 0; i < 200000; ++i) {
    double x = u(rng);
    uint64_t key = 1000 + rng() % 100000;
    for (int k = 0; k < 5; ++k) {
      if (x < shares[k]) {
        key = k + 1;
        break;
      }
      x -= shares[k];
    }
    if (key <= 5) ++truth[key];
    ss.Add(key);
  }
  const std::vector<SpaceSaving::Entry> top = ss.Top(5);
  ASSERT_EQ(top.size(), 5u);
  for (int k = 0; k < 5; ++k) {
    EXPECT_EQ(top[k].key, uint64_t(k + 1));
    EXPECT_GE(top[k].count, truth[k + 1]);
    EXPECT_LE(top[k].count - top[k].error, truth[k + 1]);
  }
  EXPECT_EQ(ss.total(), 200000u);
}

KeyStreamReport Analyze(const std::vector<uint64_t>& keys) {
  WorkloadAnalyzer analyzer;
  analyzer.AddKeys(keys);
  return analyzer.Report(4).keys;
}

TEST(WorkloadAnalyzer, LoopingStream) {
  std::vector<uint64_t> keys;
  for (int pass = 0; pass < 40; ++pass) {
    for (uint64_t k = 0; k < 5000; ++k) keys.push_back(k);
  }
  const KeyStreamReport r = Analyze(keys);
  EXPECT_EQ(r.pattern, ReusePattern::kLooping) << r.pattern_explanation;
  EXPECT_NEAR(r.loop_keys, 5000, 500);
  EXPECT_NEAR(r.working_set_keys, 5000, 500);
}

TEST(WorkloadAnalyzer, ScanningStream) {
  std::vector<uint64_t> keys;
  for (uint64_t k = 0; k < 200000; ++k) keys.push_back(k % 190000);
  const KeyStreamReport r = Analyze(keys);
  EXPECT_EQ(r.pattern, ReusePattern::kScanning) << r.pattern_explanation;
  EXPECT_NEAR(r.working_set_keys, 190000, 19000);
}

TEST(WorkloadAnalyzer, RecencyFriendlyStream) {
  // Zipf(1.1) over 100K keys: most hits come from a small hot set.
  std::vector<double> cdf;
  double sum = 0;
  for (int i = 1; i <= 100000; ++i) cdf.push_back(sum += std::pow(i, -1.1));
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(0, sum);
  std::vector<uint64_t> keys;
  for (int i = 0; i < 300000; ++i) {
    keys.push_back(std::lower_bound(cdf.begin(), cdf.end(), u(rng)) - cdf.begin());
  }
  WorkloadAnalyzerOptions options;
  options.entry_bytes = 4096;
  WorkloadAnalyzer analyzer(options);
  analyzer.AddKeys(keys);
  ExecutorSample s;
  s.task_cpu_seconds = 2;
  s.task_wall_seconds = 10;
  analyzer.AddExecution(s);
  const WorkloadReport report = analyzer.Report(4);
  EXPECT_EQ(report.keys.pattern, ReusePattern::kRecencyFriendly)
      << report.keys.pattern_explanation;
  EXPECT_EQ(report.keys.hot_keys[0].key, 0u);
  EXPECT_GT(report.keys.hot_share, 0.15);
  ASSERT_EQ(report.recommendations.size(), 4u);
  EXPECT_EQ(report.recommendations[0],
            "Work is I/O-bound (tasks block 80% of their wall time): start near 20 workers "
            "for 4 CPUs (CPUs / (1 - blocking)); the original rule says 12.");
  EXPECT_TRUE(absl::StartsWith(report.recommendations[1], "Working set: about "));
  EXPECT_TRUE(absl::StrContains(report.recommendations[1], "bytes per entry"));
  EXPECT_TRUE(absl::StartsWith(report.recommendations[2], "Hot keys: the top 5 take"));
  EXPECT_TRUE(absl::StartsWith(report.recommendations[3], "Recency-friendly access: "));
  for (const std::string& r : report.recommendations) std::cout << r << "\n";
}

TEST(WorkloadAnalyzer, LirsLoopTraceIsLooping) {
  const char kTrace[] = "traces/lirs/loop.trace";
  const std::optional<std::string> path = testing::SharedFile(kTrace);
  if (!path.has_value()) GTEST_SKIP() << testing::SharedFileMissingMessage(kTrace);
  absl::StatusOr<cache_trace::Trace> trace =
      cache_trace::ReadTrace(*path, cache_trace::TraceFormat::kLirs);
  ASSERT_TRUE(trace.ok()) << trace.status();
  const std::vector<uint64_t>* keys = &trace->keys;
  WorkloadAnalyzerOptions options;
  options.shards.rate = 1.0;  // a small trace: sample everything
  WorkloadAnalyzer analyzer(options);
  analyzer.AddKeys(*keys);
  const WorkloadReport report = analyzer.Report(2);
  EXPECT_EQ(report.keys.pattern, ReusePattern::kLooping) << report.keys.pattern_explanation;
  for (const std::string& r : report.recommendations) std::cout << r << "\n";
}

TEST(WorkloadAnalyzer, EmptyInputsAreUnknown) {
  const WorkloadReport report = WorkloadAnalyzer().Report(4);
  EXPECT_FALSE(report.execution.known);
  EXPECT_EQ(report.keys.pattern, ReusePattern::kUnknown);
  EXPECT_TRUE(report.recommendations.empty());
}

}  // namespace
}  // namespace adaptrt::tuning
