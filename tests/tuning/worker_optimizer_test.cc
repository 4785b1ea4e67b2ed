#include "tuning/worker_optimizer.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace adaptrt::tuning {
namespace {

double Usl(double lambda, double sigma, double kappa, double n) {
  return lambda * n / (1 + sigma * (n - 1) + kappa * n * (n - 1));
}

TEST(InitialWorkers, FromTaskType) {
  EXPECT_EQ(InitialWorkers(TaskType::kCpuBound, 8), 8);
  EXPECT_EQ(InitialWorkers(TaskType::kIoBound, 8), 24);
  EXPECT_EQ(InitialWorkers(TaskType::kMixed, 8), 16);
  EXPECT_EQ(InitialWorkers(TaskType::kCpuBound, 0.5), 1);
  EXPECT_EQ(InitialWorkers(TaskType::kIoBound, 1.5), 5);  // 4.5 rounds away from zero
}

TEST(FitAmdahl, RecoversExactParameters) {
  std::vector<ThroughputSample> samples;
  for (int n : {1, 2, 4, 8, 16, 32}) {
    samples.push_back({double(n), 100.0 / ((1 - 0.9) + 0.9 / n)});
  }
  absl::StatusOr<AmdahlFit> fit = FitAmdahl(samples);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_NEAR(fit->parallel_fraction, 0.9, 1e-6);
  EXPECT_NEAR(fit->lambda, 100, 1e-3);
  EXPECT_NEAR(fit->MaxSpeedup(), 10, 1e-3);
  EXPECT_NEAR(fit->Speedup(4), 1 / (0.1 + 0.9 / 4), 1e-6);
  EXPECT_GT(fit->r_squared, 0.999999);
}

TEST(FitUsl, RecoversExactParameters) {
  std::vector<ThroughputSample> samples;
  for (int n = 1; n <= 32; n += 3) samples.push_back({double(n), Usl(1000, 0.05, 0.002, n)});
  absl::StatusOr<UslFit> fit = FitUsl(samples);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_NEAR(fit->lambda, 1000, 1e-3);
  EXPECT_NEAR(fit->sigma, 0.05, 1e-6);
  EXPECT_NEAR(fit->kappa, 0.002, 1e-8);
  EXPECT_NEAR(fit->PeakWorkers(), std::sqrt(0.95 / 0.002), 1e-3);
  EXPECT_EQ(fit->BestWorkers(64), 22);  // sqrt(475) = 21.8
  EXPECT_EQ(fit->Curve(4).size(), 4u);
  EXPECT_NEAR(fit->Curve(4)[3].second, Usl(1000, 0.05, 0.002, 4), 1e-6);
}

TEST(FitUsl, NoisySamplesWithoutSingleWorkerPoint) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0, 0.02);
  std::vector<ThroughputSample> samples;
  for (int rep = 0; rep < 5; ++rep) {
    for (int n : {2, 4, 8, 12, 16, 24, 32, 48}) {
      samples.push_back({double(n), Usl(500, 0.1, 0.005, n) * (1 + noise(rng))});
    }
  }
  absl::StatusOr<UslFit> fit = FitUsl(samples);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_NEAR(fit->sigma, 0.1, 0.03);
  EXPECT_NEAR(fit->kappa, 0.005, 0.0015);
  EXPECT_NEAR(fit->PeakWorkers(), std::sqrt(0.9 / 0.005), 1.5);  // 13.4
}

TEST(FitUsl, LinearScalingHasNoPeak) {
  std::vector<ThroughputSample> samples;
  for (int n : {1, 2, 4, 8}) samples.push_back({double(n), 10.0 * n});
  absl::StatusOr<UslFit> fit = FitUsl(samples);
  ASSERT_TRUE(fit.ok());
  EXPECT_NEAR(fit->sigma, 0, 1e-9);
  EXPECT_NEAR(fit->kappa, 0, 1e-9);
  EXPECT_TRUE(std::isinf(fit->PeakWorkers()));
  EXPECT_EQ(fit->BestWorkers(16), 16);
}

TEST(Fits, RejectTooFewOrBadSamples) {
  EXPECT_EQ(FitUsl(std::vector<ThroughputSample>{{1, 1}, {2, 2}, {2, 2}}).status().message(),
            "need samples at 3 distinct worker counts, got 2");
  EXPECT_FALSE(FitAmdahl(std::vector<ThroughputSample>{{1, 1}}).ok());
  EXPECT_FALSE(FitUsl(std::vector<ThroughputSample>{{1, 1}, {2, -2}, {3, 3}}).ok());
}

// Drives a HillClimber against a synthetic workload; returns the worker
// counts it chose, one per 250 ms sample. No sleeping: time is injected.
struct Workload {
  // Throughput at n workers without noise.
  std::function<double(int)> throughput;
  std::function<double(int)> cpu_utilization = [](int) { return 0.5; };
  std::function<double(int)> idle_fraction = [](int) { return 0.0; };
  double system_cpu_utilization = 0.0;  // the whole machine's busy share
  double noise = 0.0;  // relative standard deviation
  // Share of the tasks' wall time spent blocked (1 - task CPU / task wall);
  // negative: the sample carries no task times.
  double task_blocking = -1;
};

std::vector<int> Drive(HillClimber& climber, const Workload& w, int samples, uint64_t seed,
                       std::vector<std::string>* reasons = nullptr) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0, w.noise);
  absl::Time now = absl::UnixEpoch();
  std::vector<int> chosen;
  int workers = climber.current();
  for (int i = 0; i < samples; ++i) {
    now += absl::Milliseconds(250);
    ExecutorSample s;
    s.now = now;
    s.window = absl::Milliseconds(250);
    s.workers = workers;
    s.throughput = w.throughput(workers) * (1 + noise(rng));
    s.cpu_utilization = w.cpu_utilization(workers);
    s.idle_fraction = w.idle_fraction(workers);
    s.system_cpu_utilization = w.system_cpu_utilization;
    if (w.task_blocking >= 0) {
      s.task_wall_seconds = 0.25 * workers;
      s.task_cpu_seconds = s.task_wall_seconds * (1 - w.task_blocking);
    }
    const WorkerDecision d = climber.Step(s);
    if (reasons != nullptr && d.changed) reasons->push_back(d.reason);
    workers = d.workers;
    chosen.push_back(workers);
  }
  return chosen;
}

TEST(HillClimber, LandsWithinOneWorkerOfTheUslPeak) {
  // Peak at sqrt(0.9 / 0.005) = 13.4: the best integer counts are 13 and 14.
  Workload w;
  w.throughput = [](int n) { return Usl(1000, 0.1, 0.005, n); };
  w.noise = 0.03;
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    HillClimberOptions options;
    options.max_workers = 64;
    HillClimber climber(options, /*initial_workers=*/4);
    std::vector<std::string> reasons;
    const std::vector<int> chosen = Drive(climber, w, 600, seed, &reasons);  // 150 s
    std::string log;
    for (const std::string& r : reasons) log += r + "\n";
    EXPECT_NEAR(climber.best(), 13.4, 1.0) << "seed " << seed << "\n" << log;
    // It keeps probing, but spends most of the last quarter near the peak.
    const auto last_quarter = chosen.begin() + chosen.size() * 3 / 4;
    const long near = std::count_if(last_quarter, chosen.end(),
                                    [](int n) { return std::abs(n - 13.4) <= 1.0; });
    EXPECT_GE(near, (chosen.end() - last_quarter) * 6 / 10) << "seed " << seed << "\n" << log;
  }
}

TEST(HillClimber, IoBoundWorkloadGrowsPastTheCoreCount) {
  // 4 cores; each task blocks 80% of its time, so CPU saturates at 20 workers
  // and throughput grows linearly until then.
  constexpr double kCores = 4, kCpuShare = 0.2;
  Workload w;
  w.throughput = [](int n) { return 100.0 * std::min<double>(n, kCores / kCpuShare); };
  w.cpu_utilization = [](int n) { return std::min(1.0, n * kCpuShare / kCores); };
  w.noise = 0.02;
  HillClimberOptions options;
  options.max_workers = 64;
  HillClimber climber(options, InitialWorkers(TaskType::kCpuBound, kCores));
  const std::vector<int> chosen = Drive(climber, w, 400, 3);
  EXPECT_GT(chosen.back(), kCores);
  EXPECT_GE(chosen.back(), 16);
  // Never far past saturation: additions stop at 95% CPU.
  EXPECT_LE(*std::max_element(chosen.begin(), chosen.end()), 24);
}

TEST(HillClimber, NoAdditionsWhileCpuSaturatedOrWorkersIdle) {
  for (int mode = 0; mode < 3; ++mode) {
    Workload w;
    w.throughput = [](int n) { return 100.0 * n; };  // would reward growth
    if (mode == 0) w.cpu_utilization = [](int) { return 0.99; };
    if (mode == 1) w.idle_fraction = [](int) { return 0.5; };
    // Other processes saturate the machine (our tasks then look blocked:
    // they wait in the run queue), our own process uses little.
    if (mode == 2) {
      w.system_cpu_utilization = 0.99;
      w.task_blocking = 0.7;
    }
    HillClimber climber(HillClimberOptions{}, 8);
    const std::vector<int> chosen = Drive(climber, w, 200, 1);
    EXPECT_LE(*std::max_element(chosen.begin(), chosen.end()), 8) << "mode " << mode;
  }
}

TEST(HillClimber, CpuBoundTasksAreNeverGivenMoreWorkersThanCpus) {
  // Throughput that (wrongly, as in a job's first windows) rewards growth,
  // CPU not saturated, but the tasks are CPU-bound (5% blocked) on 2 CPUs:
  // no count above 2, whatever the samples say.
  Workload w;
  w.throughput = [](int n) { return 100.0 * n; };
  w.cpu_utilization = [](int) { return 0.6; };
  w.task_blocking = 0.05;
  w.noise = 0.02;
  for (int initial : {1, 2}) {
    HillClimberOptions options;
    options.max_workers = 8;
    options.effective_cpus = 2;
    HillClimber climber(options, initial);
    std::vector<std::string> reasons;
    const std::vector<int> chosen = Drive(climber, w, 200, 11, &reasons);
    EXPECT_LE(*std::max_element(chosen.begin(), chosen.end()), 2) << "from " << initial;
    // From 1 it does grow to the CPU count.
    EXPECT_EQ(*std::max_element(chosen.begin(), chosen.end()), 2) << "from " << initial;
  }
  // A fractional quota rounds up: 1.5 CPUs allow 2 workers, not 3.
  HillClimberOptions options;
  options.max_workers = 8;
  options.effective_cpus = 1.5;
  HillClimber climber(options, 1);
  const std::vector<int> chosen = Drive(climber, w, 200, 12);
  EXPECT_EQ(*std::max_element(chosen.begin(), chosen.end()), 2);
}

TEST(HillClimber, StartedAboveTheCpusCpuBoundWorkComesDown) {
  // 4 workers on 2 CPUs, CPU-bound, throughput flat past 2: it probes down,
  // and once below 4 it never goes above the CPU count again.
  Workload w;
  w.throughput = [](int n) { return 100.0 * std::min(n, 2); };
  w.cpu_utilization = [](int n) { return std::min(1.0, n / 2.0) * 0.9; };
  w.task_blocking = 0.02;
  w.noise = 0.01;
  HillClimberOptions options;
  options.max_workers = 8;
  options.effective_cpus = 2;
  HillClimber climber(options, 4);
  const std::vector<int> chosen = Drive(climber, w, 200, 13);
  const auto first_below = std::find_if(chosen.begin(), chosen.end(), [](int n) { return n < 4; });
  ASSERT_NE(first_below, chosen.end());
  EXPECT_LE(*std::max_element(first_below, chosen.end()), 2);
}

TEST(HillClimber, NoProbeAtOrBelowTheCpusWhileTheyAreSaturated) {
  // 2 workers on 2 CPUs that are saturated (by this job, or by other
  // processes): neither more nor fewer workers are tried.
  for (int mode = 0; mode < 2; ++mode) {
    Workload w;
    w.throughput = [](int n) { return 100.0 * n; };
    if (mode == 0) {
      w.cpu_utilization = [](int) { return 0.99; };
      w.task_blocking = 0.02;
    } else {
      w.cpu_utilization = [](int) { return 0.4; };
      w.system_cpu_utilization = 0.99;
      w.task_blocking = 0.6;  // run-queue waits look like blocking
    }
    w.noise = 0.02;
    HillClimberOptions options;
    options.max_workers = 8;
    options.effective_cpus = 2;
    HillClimber climber(options, 2);
    std::vector<std::string> reasons;
    const std::vector<int> chosen = Drive(climber, w, 100, 15, &reasons);
    EXPECT_EQ(*std::min_element(chosen.begin(), chosen.end()), 2) << "mode " << mode;
    EXPECT_EQ(*std::max_element(chosen.begin(), chosen.end()), 2) << "mode " << mode;
    EXPECT_TRUE(reasons.empty()) << "mode " << mode << ": " << reasons.front();
  }
}

TEST(HillClimber, IoBoundTasksStillGrowPastTheCpus) {
  // The same reward for growth with tasks blocked 80% of their time: the CPU
  // cap does not apply (only CPU saturation stops additions).
  Workload w;
  w.throughput = [](int n) { return 100.0 * n; };
  w.cpu_utilization = [](int n) { return std::min(1.0, n * 0.2 / 2); };
  w.task_blocking = 0.8;
  w.noise = 0.02;
  HillClimberOptions options;
  options.max_workers = 16;
  options.effective_cpus = 2;
  HillClimber climber(options, 2);
  const std::vector<int> chosen = Drive(climber, w, 300, 14);
  EXPECT_GT(*std::max_element(chosen.begin(), chosen.end()), 4);
}

TEST(HillClimber, WindowsWithoutCompletedTasksAreDiscarded) {
  HillClimberOptions options;
  options.max_workers = 8;
  HillClimber climber(options, 2);
  absl::Time now = absl::UnixEpoch();
  ExecutorSample s;
  s.window = absl::Milliseconds(100);
  s.workers = 2;
  s.cpu_utilization = 0.3;
  // A job's start: windows with nothing completed never count as samples,
  // never move the count.
  for (int i = 0; i < 20; ++i) {
    now += absl::Milliseconds(100);
    s.now = now;
    s.throughput = 0;
    const WorkerDecision d = climber.Step(s);
    EXPECT_FALSE(d.changed);
    EXPECT_EQ(d.workers, 2);
    EXPECT_NE(d.reason.find("discarded"), std::string::npos) << d.reason;
  }
  EXPECT_EQ(climber.MeanAt(2), 0);
  // Then real windows: the mean at 2 is theirs alone (no zeros averaged in).
  for (int i = 0; i < 3; ++i) {
    now += absl::Milliseconds(100);
    s.now = now;
    s.throughput = 500;
    climber.Step(s);
  }
  EXPECT_DOUBLE_EQ(climber.MeanAt(2), 500);
}

TEST(HillClimber, ReturnsToTheBestAfterAWorseMove) {
  // A cliff: 8 workers is best, anything else much worse.
  Workload w;
  w.throughput = [](int n) { return n == 8 ? 1000.0 : 500.0; };
  w.noise = 0.01;
  HillClimberOptions options;
  options.model_min_counts = 0;  // pure hill climbing
  HillClimber climber(options, 8);
  std::vector<std::string> reasons;
  const std::vector<int> chosen = Drive(climber, w, 200, 5, &reasons);
  EXPECT_EQ(climber.best(), 8);
  // Every excursion from 8 comes straight back to 8.
  for (size_t i = 1; i < chosen.size(); ++i) {
    if (chosen[i - 1] != 8 && chosen[i] != chosen[i - 1]) {
      EXPECT_EQ(chosen[i], 8) << "sample " << i;
    }
  }
  const long at_best = std::count(chosen.begin() + 100, chosen.end(), 8);
  EXPECT_GE(at_best, 70);
  // It did probe, and came back.
  EXPECT_GT(std::count_if(chosen.begin(), chosen.end(), [](int n) { return n != 8; }), 0);
  ASSERT_FALSE(reasons.empty());
}

TEST(HillClimber, RateLimitsMoves) {
  Workload w;
  w.throughput = [](int n) { return 100.0 * n; };
  HillClimberOptions options;
  options.min_move_interval = absl::Seconds(2);  // 8 samples of 250 ms
  options.min_samples = 1;
  HillClimber climber(options, 2);
  const std::vector<int> chosen = Drive(climber, w, 80, 1);
  int moves = 0, last_move = -100;
  for (size_t i = 1; i < chosen.size(); ++i) {
    if (chosen[i] != chosen[i - 1]) {
      EXPECT_GE(int(i) - last_move, 8) << "move at sample " << i;
      last_move = int(i);
      ++moves;
    }
  }
  EXPECT_GT(moves, 2);
  for (size_t i = 1; i < chosen.size(); ++i) {
    EXPECT_LE(std::abs(chosen[i] - chosen[i - 1]), 2 * options.max_step);
  }
}

}  // namespace
}  // namespace adaptrt::tuning
