// worker_optimizer.h: how many executor workers to run.
//
// Three tools, from cheapest to most informed:
//   * InitialWorkers: the original design's guess from the task type
//     (CPU-bound cores x 1.0, I/O-bound x 3.0, mixed x 2.0);
//   * FitAmdahl / FitUsl: least-squares fits of Amdahl's law and the Universal
//     Scalability Law, X(N) = lambda N / (1 + sigma (N-1) + kappa N (N-1)),
//     to measured (workers, throughput) samples; the USL's peak
//     N* = sqrt((1 - sigma) / kappa) is the best worker count;
//   * HillClimber: an online controller in the spirit of the .NET thread
//     pool's hill climbing. It probes a nearby count, moves only when the
//     throughput difference is significant (Welch's t over the samples at each
//     count), rate-limits moves, never adds workers while CPUs are saturated or
//     workers sit idle, nor beyond the CPU count while tasks are CPU-bound,
//     ignores windows without completed tasks, remembers the best count and returns to it after a
//     move that made things worse, and once it has measured enough counts,
//     jumps to the USL-fitted peak (then verifies it like any other move).
//
// Thread-safety: the fits are pure functions. HillClimber is not thread-safe:
//                one owner (the auto-tuner loop) calls Step.
// Complexity:    FitAmdahl O(samples x 200); FitUsl O(samples x iterations),
//                at most 200 Levenberg–Marquardt iterations; Step O(counts
//                measured) plus a fit when the model is consulted.
// Ownership:     values only.
// Errors:        the fits return InvalidArgumentError for too few samples or
//                non-positive values; Step never fails.

#ifndef ADAPTRT_TUNING_WORKER_OPTIMIZER_H_
#define ADAPTRT_TUNING_WORKER_OPTIMIZER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "tuning/knobs.h"

namespace adaptrt::tuning {

enum class TaskType { kCpuBound, kIoBound, kMixed };
const char* TaskTypeName(TaskType type);

// cores x {1.0, 3.0, 2.0}, rounded, at least 1.
int InitialWorkers(TaskType type, double cores);

struct ThroughputSample {
  double workers = 0;
  double throughput = 0;  // tasks (or any work unit) per second
};

struct AmdahlFit {
  double lambda = 0;             // single-worker throughput
  double parallel_fraction = 0;  // p in [0, 1]
  double r_squared = 0;
  double Speedup(double workers) const;     // 1 / ((1 - p) + p / N)
  double Throughput(double workers) const;  // lambda x Speedup
  double MaxSpeedup() const;                // 1 / (1 - p), infinity when p = 1
};

struct UslFit {
  double lambda = 0;  // single-worker throughput
  double sigma = 0;   // contention, in [0, 1]
  double kappa = 0;   // coherency, >= 0
  double r_squared = 0;
  double relative_rmse = 0;  // root mean squared residual / mean throughput
  int iterations = 0;
  double Speedup(double workers) const;
  double Throughput(double workers) const;
  // sqrt((1 - sigma) / kappa); infinity when kappa == 0.
  double PeakWorkers() const;
  // The integer count in [1, max_workers] with the highest fitted throughput.
  int BestWorkers(int max_workers) const;
  // (workers, throughput) for 1..max_workers.
  std::vector<std::pair<int, double>> Curve(int max_workers) const;
};

// At least 2 distinct worker counts.
absl::StatusOr<AmdahlFit> FitAmdahl(absl::Span<const ThroughputSample> samples);
// At least 3 distinct worker counts (4-6 recommended).
absl::StatusOr<UslFit> FitUsl(absl::Span<const ThroughputSample> samples);

// Fixed at construction.
struct HillClimberOptions {
  int min_workers = 1;
  int max_workers = 256;
  // Largest change of one move (.NET: 20 per sample), and moves per second
  // (the interval between moves; .NET: 4 threads/s).
  int max_step = 4;
  absl::Duration min_move_interval = absl::Milliseconds(500);
  // Samples at a count before it is judged, and the most before an
  // inconclusive comparison is given up.
  int min_samples = 4;
  int max_samples = 12;
  // A move is accepted when the mean throughput rose by more than
  // z x standard error (Welch) and, for additions, by more than
  // add_bias x the old mean (the .NET pool's bias against adding threads).
  double confidence_z = 2.0;
  double add_bias = 0.01;
  // No additions when CPU utilization (the process's, or the whole
  // machine's: ExecutorSample::system_cpu_utilization) is at or above this,
  // or when the workers' idle fraction is at or above idle_threshold.
  double cpu_saturation = 0.95;
  double idle_threshold = 0.10;
  // The CPUs the process may use (cgroup quota or cores; 0: unknown). While
  // the tasks are CPU-bound (they block less than cpu_bound_blocking_below
  // of their wall time: 1 - task CPU / task wall, over the window's
  // completed tasks), no count above ceil(effective_cpus) is probed or
  // moved to: more runnable threads than CPUs cannot add throughput to
  // CPU-bound work, and early windows of a job (while it starts) can make
  // such a probe look worthwhile.
  double effective_cpus = 0;
  double cpu_bound_blocking_below = 0.2;
  // Measurements older than this are forgotten (the workload may change).
  absl::Duration memory = absl::Seconds(120);
  // After settling, hold this long before probing again.
  absl::Duration settle_hold = absl::Seconds(10);
  // Consult a USL fit once this many counts are measured (0: never).
  // (R^2 is a poor judge near a flat peak, where the data varies little: the
  // fit is accepted when its residuals are small relative to the throughput.)
  int model_min_counts = 4;
  double model_max_relative_rmse = 0.05;
};

struct WorkerDecision {
  int workers = 0;       // the count to run now
  bool changed = false;  // differs from the sample's count
  std::string reason;    // why, with the numbers
};

class HillClimber {
 public:
  HillClimber(const HillClimberOptions& options, int initial_workers);

  // Consumes one sample (taken while sample.workers were running) and decides
  // the count for the next interval. A window in which no task completed
  // (throughput 0: the work has not started, or the executor is idle) says
  // nothing about the count: it is discarded and the count held.
  WorkerDecision Step(const ExecutorSample& sample);

  int current() const { return current_; }
  // The count with the best evidence: the model's peak when a good fit
  // exists and it was measured, else the best measured mean.
  int best() const;
  std::optional<UslFit> model() const { return model_; }
  // Mean objective measured at `workers` (within the memory window), or 0.
  double MeanAt(int workers) const;

 private:
  struct Stats {
    int count = 0;
    double mean = 0;
    double m2 = 0;  // sum of squared deviations (Welford)
    absl::Time last = absl::InfinitePast();
    double Variance() const { return count > 1 ? m2 / (count - 1) : 0; }
  };
  enum class Phase { kMeasure, kProbe, kSettled };

  void Add(int workers, double throughput, absl::Time now);
  void Forget(absl::Time now);
  // Returns +1 better, -1 worse, 0 undecided (needs more samples), 2 no
  // significant difference after max_samples.
  int Compare(int candidate, int baseline, bool adding) const;
  int BestMeasured() const;
  void RefreshModel();
  WorkerDecision MoveTo(int target, absl::Time now, std::string reason);
  WorkerDecision Hold(std::string reason) const;
  // ceil(effective_cpus), at least 1; 0 when effective_cpus is unknown (<= 0).
  int CpuCeiling() const;
  // The largest count additions may reach for `sample` (max_workers, or the
  // CPU count while the sample's tasks are CPU-bound); `why` says which.
  int AddLimit(const ExecutorSample& sample, std::string* why) const;

  HillClimberOptions options_;
  int current_;
  int origin_;         // the count a probe started from
  int direction_ = 1;  // +1 up, -1 down
  int step_ = 1;
  int failed_directions_ = 0;  // consecutive probes without improvement
  Phase phase_ = Phase::kMeasure;
  absl::Time last_move_ = absl::InfinitePast();
  absl::Time settled_at_ = absl::InfinitePast();
  std::map<int, Stats> stats_;
  std::optional<UslFit> model_;
  bool model_tried_at_peak_ = false;
  bool last_blocked_ = false;  // last sample vetoed additions
};

}  // namespace adaptrt::tuning

#endif  // ADAPTRT_TUNING_WORKER_OPTIMIZER_H_
