// usl: fits Amdahl's law and the Universal Scalability Law to (workers,
// throughput) samples and prints the fit, the fitted curve and the best
// worker count.
//
//   bazel run -c opt //tuning:usl -- --samples=1:955,2:1801,4:3024,8:3950
//   bazel run -c opt //tuning:usl -- --measure --max-workers=8
//
// --measure runs a small synthetic workload on std::threads (local work plus
// a short critical section per task and a shared atomic counter) for
// --seconds per worker count and fits what it measured: a real, if toy,
// scalability curve of this machine.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "tuning/internal/dashed_flags.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "tuning/worker_optimizer.h"

ABSL_FLAG(std::string, samples, "", "comma-separated workers:throughput pairs");
ABSL_FLAG(bool, measure, false, "measure a synthetic contended workload instead");
ABSL_FLAG(int, max_workers, 8, "--measure: worker counts 1..max_workers");
ABSL_FLAG(double, seconds, 0.3, "--measure: seconds per worker count");
ABSL_FLAG(int, repetitions, 3, "--measure: measurements per worker count");

namespace {

using adaptrt::tuning::ThroughputSample;

uint64_t Work(uint64_t x, int rounds) {
  for (int i = 0; i < rounds; ++i) x = x * 6364136223846793005ull + 1442695040888963407ull;
  return x;
}

// Tasks per second with `workers` threads for `seconds`.
double Measure(int workers, double seconds) {
  std::mutex mu;
  uint64_t shared = 0;
  std::atomic<uint64_t> done{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      uint64_t x = w + 1, local = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        x = Work(x, 20000);  // parallel part
        {
          std::lock_guard<std::mutex> lock(mu);  // serial part
          shared = Work(shared + x, 1000);
        }
        done.fetch_add(1, std::memory_order_relaxed);  // coherency traffic
        ++local;
      }
    });
  }
  const auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop.store(true);
  for (std::thread& t : threads) t.join();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return static_cast<double>(done.load()) / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  adaptrt::tuning_internal::ParseCommandLineAcceptingDashes(argc, argv);
  namespace t = adaptrt::tuning;
  std::vector<ThroughputSample> samples;
  if (absl::GetFlag(FLAGS_measure)) {
    std::printf("workers\tthroughput\n");
    for (int n = 1; n <= absl::GetFlag(FLAGS_max_workers); ++n) {
      for (int r = 0; r < absl::GetFlag(FLAGS_repetitions); ++r) {
        samples.push_back({double(n), Measure(n, absl::GetFlag(FLAGS_seconds))});
        std::printf("%d\t%.0f\n", n, samples.back().throughput);
      }
    }
  } else {
    for (absl::string_view pair : absl::StrSplit(absl::GetFlag(FLAGS_samples), ',',
                                                 absl::SkipEmpty())) {
      std::vector<absl::string_view> f = absl::StrSplit(pair, ':');
      ThroughputSample s;
      if (f.size() != 2 || !absl::SimpleAtod(f[0], &s.workers) ||
          !absl::SimpleAtod(f[1], &s.throughput)) {
        std::cerr << "usl: --samples: expected workers:throughput, got \"" << pair << "\"\n";
        return 2;
      }
      samples.push_back(s);
    }
  }
  absl::StatusOr<t::AmdahlFit> amdahl = t::FitAmdahl(samples);
  absl::StatusOr<t::UslFit> usl = t::FitUsl(samples);
  if (!usl.ok()) {
    std::cerr << "usl: " << usl.status().message() << "\n";
    return 2;
  }
  if (amdahl.ok()) {
    std::printf("amdahl\tlambda %.1f\tparallel_fraction %.4f\tmax_speedup %.2f\tR^2 %.4f\n",
                amdahl->lambda, amdahl->parallel_fraction, amdahl->MaxSpeedup(),
                amdahl->r_squared);
  }
  int max_n = 0;
  for (const ThroughputSample& s : samples) max_n = std::max(max_n, int(s.workers));
  std::printf("usl\tlambda %.1f\tsigma %.4f\tkappa %.5f\tpeak %.2f\tbest %d\tR^2 %.4f\n",
              usl->lambda, usl->sigma, usl->kappa, usl->PeakWorkers(),
              usl->BestWorkers(4 * max_n), usl->r_squared);
  // "best" is the fitted maximum up to 4x the largest measured count; when
  // the curve is (nearly) flat that maximum buys nothing, so also say where
  // 95% of it is already reached, and whether the fit explains the samples.
  const int best = usl->BestWorkers(4 * max_n);
  int enough = best;
  while (enough > 1 && usl->Throughput(enough - 1) >= 0.95 * usl->Throughput(best)) --enough;
  std::fprintf(stderr, "usl: 95%% of the best fitted throughput at %d worker(s)%s\n", enough,
               usl->r_squared < 0.5 ? "; the fit explains little of the samples' variation "
                                      "(R^2 < 0.5): noise or a flat curve, not a trend"
                                    : "");
  std::printf("workers\tusl_throughput\tusl_speedup\n");
  for (const auto& [n, x] : usl->Curve(2 * max_n)) {
    std::printf("%d\t%.0f\t%.2f\n", n, x, usl->Speedup(n));
  }
  return 0;
}
