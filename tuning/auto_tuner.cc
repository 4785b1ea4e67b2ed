// auto_tuner.cc: the controller step and the thin loop around it.
//
// Concurrency: one loop thread calls RunOnce every period; users may call
// RunOnce, Pause/Resume, SetPeriod, Stop and log() from other threads.
//   * mu_ serializes RunOnce and Stop's history save: the controllers, the
//     knobs and the sources are only used under it (one call at a time).
//   * loop_mu_ + loop_cv_ guard stop_ and period_; the loop waits on the
//     condition variable so Stop and SetPeriod wake it at once.
//   * Lock order: mu_ before loop_mu_ (no path takes loop_mu_ then mu_: the
//     loop releases loop_mu_ before RunOnce). DecisionLog's mutex is a leaf.
//   * paused_ and iterations_ are relaxed atomics: paused_ is a hint read
//     once per period (a pause takes effect at the next period at the
//     latest); iterations_ is a statistic.

#include "tuning/auto_tuner.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace adaptrt::tuning {

// ---------------------------------------------------------------------------
// DecisionLog

void DecisionLog::Add(Decision decision) {
  std::lock_guard<std::mutex> lock(mu_);
  ++total_;
  if (capacity_ == 0) return;
  if (entries_.size() == capacity_) entries_.pop_front();
  entries_.push_back(std::move(decision));
}

std::vector<Decision> DecisionLog::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return std::vector<Decision>(entries_.begin(), entries_.end());
}

uint64_t DecisionLog::total() const {
  std::lock_guard<std::mutex> lock(mu_);
  return total_;
}

// ---------------------------------------------------------------------------
// AutoTunerController

namespace {

CacheControllerOptions CacheOptionsFor(const AutoTunerOptions& options) {
  CacheControllerOptions cache = options.cache;
  if (options.target == TuningTarget::kMemory) cache.tuner.knee_min_gain *= 5;
  return cache;
}

}  // namespace

AutoTunerController::AutoTunerController(const AutoTunerOptions& options, int initial_workers)
    : options_(options),
      climber_(options.workers, initial_workers),
      cache_(CacheOptionsFor(options)),
      budget_(options.cache_budget_bytes > 0
                  ? options.cache_budget_bytes
                  : OriginalRule(options.available_memory_bytes, options.cache.tuner).total()) {}

AutoTunerController::Output AutoTunerController::Step(
    absl::Time now, const std::optional<ExecutorSample>& executor,
    const std::optional<CacheSample>& cache) {
  Output out;
  if (executor.has_value()) {
    ExecutorSample s = *executor;
    s.now = now;
    if (options_.target == TuningTarget::kLatency) {
      s.throughput = s.mean_run_ms > 0 ? 1000.0 / s.mean_run_ms : 0;
    }
    const int before = climber_.current();
    const WorkerDecision d = climber_.Step(s);
    best_score_ = climber_.MeanAt(climber_.best());
    if (d.changed) {
      out.workers = d.workers;
      Decision decision;
      decision.time = now;
      decision.knob = "workers";
      decision.from = before;
      decision.to = d.workers;
      decision.reason = d.reason;
      if (options_.target == TuningTarget::kLatency) {
        absl::StrAppend(&decision.reason, " [objective: 1000 / mean task run ms]");
      }
      out.decisions.push_back(std::move(decision));
    }
  }
  if (cache.has_value()) {
    const std::optional<CacheDecision> d =
        cache_.Step(*cache, budget_, options_.available_memory_bytes);
    if (d.has_value()) {
      const TierSizes before = tiers_.value_or(TierSizes{});
      tiers_ = d->sizes;
      last_hit_rate_ = d->predicted_hit_rate;
      out.tiers = d->sizes;
      const std::pair<const char*, std::pair<uint64_t, uint64_t>> changes[] = {
          {"cache.l1", {before.l1_bytes, d->sizes.l1_bytes}},
          {"cache.l2", {before.l2_bytes, d->sizes.l2_bytes}},
          {"cache.l3", {before.l3_bytes, d->sizes.l3_bytes}}};
      for (const auto& [knob, values] : changes) {
        if (values.first == values.second) continue;
        Decision decision;
        decision.time = now;
        decision.knob = knob;
        decision.from = static_cast<double>(values.first);
        decision.to = static_cast<double>(values.second);
        decision.reason = absl::StrCat(d->reason, absl::StrFormat("; budget %.1f MB",
                                                                  budget_ / 1048576.0));
        out.decisions.push_back(std::move(decision));
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// AutoTuner

absl::StatusOr<std::unique_ptr<AutoTuner>> AutoTuner::Create(const AutoTunerOptions& options,
                                                             const Wiring& wiring) {
  if (options.period <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("AutoTunerOptions.period must be positive");
  }
  if ((wiring.executor == nullptr) != (wiring.workers == nullptr)) {
    return absl::InvalidArgumentError("wire both an executor sample source and a worker knob, "
                                      "or neither");
  }
  const int cache_parts = (wiring.cache != nullptr) + (wiring.l1 != nullptr) +
                          (wiring.l2 != nullptr) + (wiring.l3 != nullptr);
  if (cache_parts != 0 && cache_parts != 4) {
    return absl::InvalidArgumentError(
        "wire a cache sample source and all three tier knobs, or none");
  }
  if (options.workers.min_workers < 1 ||
      options.workers.max_workers < options.workers.min_workers) {
    return absl::InvalidArgumentError("worker bounds must satisfy 1 <= min <= max");
  }
  int initial = options.initial_workers;
  if (initial <= 0) initial = wiring.workers != nullptr ? wiring.workers->workers() : 1;
  return std::unique_ptr<AutoTuner>(new AutoTuner(options, wiring, initial));
}

AutoTuner::AutoTuner(const AutoTunerOptions& options, const Wiring& wiring, int initial_workers)
    : options_(options),
      wiring_(wiring),
      log_(options.log_capacity),
      controller_(options, initial_workers),
      period_(options.period) {
  if (options_.signature.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  history_path_ = options_.history_path.empty() ? History::DefaultPath() : options_.history_path;
  history_ = History::Load(history_path_, &history_warning_);
  const absl::Time now = absl::Now();
  if (!history_warning_.empty()) {
    log_.Add({now, "history", 0, 0, history_warning_, false, "history ignored"});
  }
  const std::optional<HistoryRecord> best = history_.Best(options_.signature);
  if (!best.has_value()) return;
  // Start from the best known setting.
  const std::string why = absl::StrFormat("best known setting for %s (score %.4g, %s)",
                                          options_.signature, best->score,
                                          absl::FormatTime(absl::FromUnixSeconds(
                                              best->unix_seconds)));
  AutoTunerController::Output start;
  if (wiring_.workers != nullptr && best->workers > 0) {
    const int workers =
        std::clamp(best->workers, options_.workers.min_workers, options_.workers.max_workers);
    controller_ = AutoTunerController(options_, workers);
    start.workers = workers;
    start.decisions.push_back({now, "workers", double(wiring_.workers->workers()),
                               double(workers), "history: " + why, true, ""});
  }
  if (wiring_.l1 != nullptr && best->tiers.total() > 0) {
    start.tiers = best->tiers;
    const std::pair<const char*, std::pair<uint64_t, uint64_t>> tiers[] = {
        {"cache.l1", {wiring_.l1->capacity(), best->tiers.l1_bytes}},
        {"cache.l2", {wiring_.l2->capacity(), best->tiers.l2_bytes}},
        {"cache.l3", {wiring_.l3->capacity(), best->tiers.l3_bytes}}};
    for (const auto& [knob, values] : tiers) {
      start.decisions.push_back(
          {now, knob, double(values.first), double(values.second), "history: " + why, true, ""});
    }
  }
  Apply(start, now);
}

AutoTuner::~AutoTuner() { Stop(); }

void AutoTuner::Start() {
  std::lock_guard<std::mutex> lock(loop_mu_);
  if (thread_.joinable() || stop_) return;
  thread_ = std::thread([this] { Loop(); });
}

void AutoTuner::Stop() {
  {
    std::lock_guard<std::mutex> lock(loop_mu_);
    if (stop_) return;
    stop_ = true;
  }
  loop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  SaveHistory();
}

void AutoTuner::Pause() { paused_.store(true, std::memory_order_relaxed); }
void AutoTuner::Resume() { paused_.store(false, std::memory_order_relaxed); }

void AutoTuner::SetPeriod(absl::Duration period) {
  if (period <= absl::ZeroDuration()) return;
  {
    std::lock_guard<std::mutex> lock(loop_mu_);
    period_ = period;
  }
  loop_cv_.notify_all();
}

std::string AutoTuner::history_warning() const {
  std::lock_guard<std::mutex> lock(mu_);
  return history_warning_;
}

void AutoTuner::Loop() {
  std::unique_lock<std::mutex> lock(loop_mu_);
  while (!stop_) {
    const absl::Duration period = period_;
    loop_cv_.wait_for(lock, absl::ToChronoNanoseconds(period), [&] {
      return stop_ || period_ != period;
    });
    if (stop_) break;
    if (period_ != period) continue;  // restart the wait with the new period
    if (paused_.load(std::memory_order_relaxed)) continue;
    lock.unlock();
    RunOnce(absl::Now());
    lock.lock();
  }
}

void AutoTuner::RunOnce(absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  std::optional<ExecutorSample> executor;
  std::optional<CacheSample> cache;
  if (wiring_.executor != nullptr) executor = wiring_.executor->SampleExecutor(now);
  if (wiring_.cache != nullptr) cache = wiring_.cache->SampleCache(now);
  AutoTunerController::Output output = controller_.Step(now, executor, cache);
  Apply(output, now);
  iterations_.fetch_add(1, std::memory_order_relaxed);
}

void AutoTuner::Apply(AutoTunerController::Output& output, absl::Time now) {
  (void)now;
  for (Decision& d : output.decisions) {
    absl::Status status;
    if (d.knob == "workers" && wiring_.workers != nullptr) {
      status = wiring_.workers->Resize(static_cast<int>(d.to));
    } else if (d.knob == "cache.l1" && wiring_.l1 != nullptr) {
      status = wiring_.l1->SetCapacity(static_cast<uint64_t>(d.to));
    } else if (d.knob == "cache.l2" && wiring_.l2 != nullptr) {
      status = wiring_.l2->SetCapacity(static_cast<uint64_t>(d.to));
    } else if (d.knob == "cache.l3" && wiring_.l3 != nullptr) {
      status = wiring_.l3->SetCapacity(static_cast<uint64_t>(d.to));
    }
    d.applied = status.ok();
    if (!status.ok()) d.error = std::string(status.message());
    log_.Add(std::move(d));
  }
}

void AutoTuner::SaveHistory() {
  if (options_.signature.empty()) return;
  HistoryRecord record;
  record.signature = options_.signature;
  record.unix_seconds = absl::ToUnixSeconds(absl::Now());
  record.hit_rate = controller_.last_hit_rate();
  if (wiring_.workers != nullptr) {
    record.workers = controller_.climber().best();
    record.score = controller_.best_score();
  } else {
    record.score = record.hit_rate;
  }
  record.tiers = controller_.tiers().value_or(TierSizes{});
  if (record.score <= 0 && record.tiers.total() == 0) return;  // nothing learned
  history_.Record(record);
  if (absl::Status s = history_.Save(history_path_); !s.ok()) {
    log_.Add({absl::Now(), "history", 0, 0, "could not save the history", false,
              std::string(s.message())});
  }
}

}  // namespace adaptrt::tuning
