// auto_tuner.h: the in-process tuning loop. It reads samples through
// ExecutorSampleSource / CacheSampleSource, asks the controllers (worker
// HillClimber, CacheController), and applies decisions through WorkerKnob /
// CapacityKnob. Every decision goes to a bounded log with its reason and the
// numbers that led to it.
//
// Two layers, as STYLE.md asks:
//   * AutoTunerController: pure and deterministic. Samples (with their time)
//     in, decisions out. Tests drive it with injected time, no sleeping.
//   * AutoTuner: the thin periodic worker (a std::thread) that samples at
//     `period`, steps the controller, applies decisions, and can be paused.
//
// Targets: throughput (maximize tasks/s), latency (maximize 1 / mean task
// latency), memory (as throughput for workers; the cache stops growing at a
// knee five times stricter, saving memory for small gains).
//
// Thread-safety: AutoTunerController is not thread-safe. AutoTuner is
//                thread-safe: Start/Stop/Pause/Resume/RunOnce/log() may be
//                called from any thread; knobs and sources are called from
//                the loop's thread only (or RunOnce's caller), one call at a
//                time.
// Complexity:    a step costs the controllers' work (see worker_optimizer.h,
//                cache_tuner.h); the log is O(1) per decision.
// Ownership:     knobs and sources are borrowed; they must outlive the
//                AutoTuner (Stop() or destruction joins the thread).
// Errors:        Create validates options; knob failures are logged, never
//                fatal; history problems are logged and ignored.

#ifndef ADAPTRT_TUNING_AUTO_TUNER_H_
#define ADAPTRT_TUNING_AUTO_TUNER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tuning/cache_tuner.h"
#include "tuning/history.h"
#include "tuning/knobs.h"
#include "tuning/worker_optimizer.h"

namespace adaptrt::tuning {

enum class TuningTarget { kThroughput, kLatency, kMemory };

struct Decision {
  absl::Time time;
  std::string knob;    // "workers", "cache.l1", "cache.l2", "cache.l3", "history"
  double from = 0;
  double to = 0;
  std::string reason;  // why, with the numbers
  bool applied = true; // false when the knob refused
  std::string error;   // the knob's error when not applied
};

// A bounded, thread-safe log of decisions; the oldest go first.
class DecisionLog {
 public:
  explicit DecisionLog(size_t capacity) : capacity_(capacity) {}
  void Add(Decision decision);
  std::vector<Decision> Snapshot() const;
  uint64_t total() const;  // decisions ever added

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::deque<Decision> entries_ ABSL_GUARDED_BY(mu_);
  uint64_t total_ ABSL_GUARDED_BY(mu_) = 0;
};

// Fixed at construction, except `period` (AutoTuner::SetPeriod).
struct AutoTunerOptions {
  // Loop period. Default 1 s; may change at run time via AutoTuner::SetPeriod.
  absl::Duration period = absl::Seconds(1);
  TuningTarget target = TuningTarget::kThroughput;
  // Memory the tuner may give the cache tiers, and the memory the original
  // rule sees. 0 budget: the original rule's total for `available_memory`.
  uint64_t cache_budget_bytes = 0;
  uint64_t available_memory_bytes = 8ull << 30;
  // Worker controller; its min/max bound Resize.
  HillClimberOptions workers;
  int initial_workers = 0;  // 0: the knob's current count
  CacheControllerOptions cache;
  // Decisions kept in the log (.NET keeps 200).
  size_t log_capacity = 200;
  // History: when `signature` is non-empty, the run starts from the best
  // known setting for it and records its own best at Stop. Empty
  // history_path: History::DefaultPath().
  std::string signature;
  std::string history_path;
};

class AutoTunerController {
 public:
  struct Output {
    std::optional<int> workers;      // resize to this
    std::optional<TierSizes> tiers;  // set tier capacities to these
    std::vector<Decision> decisions; // what and why (applied is filled by the caller)
  };

  explicit AutoTunerController(const AutoTunerOptions& options, int initial_workers);

  // One step. Either sample may be absent (no executor or no cache wired).
  Output Step(absl::Time now, const std::optional<ExecutorSample>& executor,
              const std::optional<CacheSample>& cache);

  const HillClimber& climber() const { return climber_; }
  uint64_t cache_budget_bytes() const { return budget_; }
  // Best measured objective so far and the count it was measured at.
  double best_score() const { return best_score_; }
  std::optional<TierSizes> tiers() const { return tiers_; }
  double last_hit_rate() const { return last_hit_rate_; }

 private:
  AutoTunerOptions options_;
  HillClimber climber_;
  CacheController cache_;
  uint64_t budget_;
  double best_score_ = 0;
  std::optional<TierSizes> tiers_;
  double last_hit_rate_ = 0;
};

class AutoTuner {
 public:
  struct Wiring {
    ExecutorSampleSource* executor = nullptr;  // with `workers`, or neither
    WorkerKnob* workers = nullptr;
    CacheSampleSource* cache = nullptr;        // with all three tiers, or none
    CapacityKnob* l1 = nullptr;
    CapacityKnob* l2 = nullptr;
    CapacityKnob* l3 = nullptr;
  };

  // Validates the options and wiring; applies the history's best setting for
  // `options.signature`, if any (logged as a "history" decision).
  static absl::StatusOr<std::unique_ptr<AutoTuner>> Create(const AutoTunerOptions& options,
                                                           const Wiring& wiring);
  ~AutoTuner();

  // Starts the loop thread. REQUIRES: not started.
  void Start();
  // Stops and joins the loop; records the best setting in the history file.
  // Idempotent.
  void Stop();
  void Pause();
  void Resume();
  bool paused() const { return paused_.load(std::memory_order_relaxed); }
  void SetPeriod(absl::Duration period);

  // One iteration at `now` (the loop calls it with absl::Now()).
  void RunOnce(absl::Time now);

  std::vector<Decision> log() const { return log_.Snapshot(); }
  uint64_t iterations() const { return iterations_.load(std::memory_order_relaxed); }
  // A warning from loading the history, if any.
  std::string history_warning() const;

 private:
  AutoTuner(const AutoTunerOptions& options, const Wiring& wiring, int initial_workers);
  void Loop();
  void Apply(AutoTunerController::Output& output, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SaveHistory() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const AutoTunerOptions options_;
  const Wiring wiring_;
  DecisionLog log_;

  // Lock order: mu_ (controller, history) before loop_mu_ (thread control);
  // DecisionLog's own mutex is a leaf.
  mutable std::mutex mu_;
  AutoTunerController controller_ ABSL_GUARDED_BY(mu_);
  History history_ ABSL_GUARDED_BY(mu_);
  std::string history_path_ ABSL_GUARDED_BY(mu_);
  std::string history_warning_ ABSL_GUARDED_BY(mu_);

  std::mutex loop_mu_;
  std::condition_variable loop_cv_;
  bool stop_ ABSL_GUARDED_BY(loop_mu_) = false;
  absl::Duration period_ ABSL_GUARDED_BY(loop_mu_);
  std::thread thread_;

  // relaxed: flags and counters read for reporting only; the loop re-reads
  // paused_ every period, and the mutexes order everything else.
  std::atomic<bool> paused_{false};
  std::atomic<uint64_t> iterations_{0};
};

}  // namespace adaptrt::tuning

#endif  // ADAPTRT_TUNING_AUTO_TUNER_H_
