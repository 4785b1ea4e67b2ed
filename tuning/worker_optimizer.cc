// worker_optimizer.cc: Amdahl and USL fits, and the hill-climbing controller.
//
// Fits. Amdahl: for a fixed parallel fraction p the model is linear in lambda,
// so lambda has a closed form and p is found by a grid then golden-section
// search of the residual sum of squares. USL: an initial guess from the
// linearization N lambda / X - 1 = sigma (N-1) + kappa N (N-1) (ordinary least
// squares for sigma, kappa with lambda from the best per-worker sample), then
// Levenberg–Marquardt on all three parameters with the analytic Jacobian,
// projected onto sigma in [0, 1], kappa >= 0, lambda > 0. Throughputs are
// normalized by their maximum for conditioning.
//
// HillClimber invariants: stats_ holds Welford accumulators per worker count,
// only from samples taken at that count and younger than options_.memory;
// current_ is always within [min_workers, max_workers]; phase_ is kProbe
// exactly while a move from origin_ to current_ awaits its verdict. Not
// thread-safe: no atomics, no locks.

#include "tuning/worker_optimizer.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace adaptrt::tuning {
namespace {

absl::Status CheckSamples(absl::Span<const ThroughputSample> samples, int min_distinct) {
  std::vector<double> counts;
  for (const ThroughputSample& s : samples) {
    if (!(s.workers >= 1) || !(s.throughput > 0) || !std::isfinite(s.throughput)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "sample (workers %g, throughput %g): workers must be >= 1 and throughput > 0",
          s.workers, s.throughput));
    }
    counts.push_back(s.workers);
  }
  std::sort(counts.begin(), counts.end());
  const int distinct =
      static_cast<int>(std::unique(counts.begin(), counts.end()) - counts.begin());
  if (distinct < min_distinct) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "need samples at %d distinct worker counts, got %d", min_distinct, distinct));
  }
  return absl::OkStatus();
}

double RSquared(absl::Span<const ThroughputSample> samples, double rss) {
  double mean = 0;
  for (const ThroughputSample& s : samples) mean += s.throughput;
  mean /= static_cast<double>(samples.size());
  double tss = 0;
  for (const ThroughputSample& s : samples) tss += (s.throughput - mean) * (s.throughput - mean);
  return tss > 0 ? 1.0 - rss / tss : 1.0;
}

double AmdahlSpeedup(double p, double n) { return 1.0 / ((1.0 - p) + p / n); }

// Best lambda for a fixed p, and the RSS.
std::pair<double, double> AmdahlLambda(absl::Span<const ThroughputSample> samples, double p) {
  double xs = 0, ss = 0;
  for (const ThroughputSample& s : samples) {
    const double sp = AmdahlSpeedup(p, s.workers);
    xs += s.throughput * sp;
    ss += sp * sp;
  }
  const double lambda = xs / ss;
  double rss = 0;
  for (const ThroughputSample& s : samples) {
    const double r = s.throughput - lambda * AmdahlSpeedup(p, s.workers);
    rss += r * r;
  }
  return {lambda, rss};
}

double UslModel(double lambda, double sigma, double kappa, double n) {
  return lambda * n / (1.0 + sigma * (n - 1.0) + kappa * n * (n - 1.0));
}

double UslRss(absl::Span<const ThroughputSample> samples, double scale,
              const std::array<double, 3>& p) {
  double rss = 0;
  for (const ThroughputSample& s : samples) {
    const double r = s.throughput / scale - UslModel(p[0], p[1], p[2], s.workers);
    rss += r * r;
  }
  return rss;
}

void Project(std::array<double, 3>& p) {
  p[0] = std::max(p[0], 1e-12);
  p[1] = std::clamp(p[1], 0.0, 1.0);
  p[2] = std::clamp(p[2], 0.0, 1.0);
}

// Solves the 3x3 system a x = b by Gaussian elimination with partial
// pivoting; false when singular.
bool Solve3(std::array<std::array<double, 3>, 3> a, std::array<double, 3> b,
            std::array<double, 3>& x) {
  for (int col = 0; col < 3; ++col) {
    int pivot = col;
    for (int row = col + 1; row < 3; ++row) {
      if (std::abs(a[row][col]) > std::abs(a[pivot][col])) pivot = row;
    }
    if (std::abs(a[pivot][col]) < 1e-300) return false;
    std::swap(a[col], a[pivot]);
    std::swap(b[col], b[pivot]);
    for (int row = col + 1; row < 3; ++row) {
      const double f = a[row][col] / a[col][col];
      for (int k = col; k < 3; ++k) a[row][k] -= f * a[col][k];
      b[row] -= f * b[col];
    }
  }
  for (int row = 2; row >= 0; --row) {
    double sum = b[row];
    for (int k = row + 1; k < 3; ++k) sum -= a[row][k] * x[k];
    x[row] = sum / a[row][row];
  }
  return true;
}

}  // namespace

const char* TaskTypeName(TaskType type) {
  switch (type) {
    case TaskType::kCpuBound:
      return "CPU-bound";
    case TaskType::kIoBound:
      return "I/O-bound";
    case TaskType::kMixed:
      return "mixed";
  }
  return "unknown";
}

int InitialWorkers(TaskType type, double cores) {
  const double factor = type == TaskType::kCpuBound ? 1.0 : type == TaskType::kIoBound ? 3.0 : 2.0;
  return std::max(1, static_cast<int>(std::lround(cores * factor)));
}

double AmdahlFit::Speedup(double workers) const {
  return AmdahlSpeedup(parallel_fraction, workers);
}
double AmdahlFit::Throughput(double workers) const { return lambda * Speedup(workers); }
double AmdahlFit::MaxSpeedup() const {
  return parallel_fraction >= 1.0 ? std::numeric_limits<double>::infinity()
                                  : 1.0 / (1.0 - parallel_fraction);
}

absl::StatusOr<AmdahlFit> FitAmdahl(absl::Span<const ThroughputSample> samples) {
  if (absl::Status s = CheckSamples(samples, 2); !s.ok()) return s;
  // Grid, then golden-section search around the best grid point.
  int best = 0;
  double best_rss = std::numeric_limits<double>::infinity();
  constexpr int kGrid = 100;
  for (int i = 0; i <= kGrid; ++i) {
    const double rss = AmdahlLambda(samples, static_cast<double>(i) / kGrid).second;
    if (rss < best_rss) {
      best_rss = rss;
      best = i;
    }
  }
  double lo = std::max(0.0, (best - 1.0) / kGrid), hi = std::min(1.0, (best + 1.0) / kGrid);
  const double phi = (std::sqrt(5.0) - 1) / 2;
  for (int i = 0; i < 60; ++i) {
    const double a = hi - phi * (hi - lo), b = lo + phi * (hi - lo);
    if (AmdahlLambda(samples, a).second <= AmdahlLambda(samples, b).second) {
      hi = b;
    } else {
      lo = a;
    }
  }
  AmdahlFit fit;
  fit.parallel_fraction = (lo + hi) / 2;
  const auto [lambda, rss] = AmdahlLambda(samples, fit.parallel_fraction);
  fit.lambda = lambda;
  fit.r_squared = RSquared(samples, rss);
  return fit;
}

double UslFit::Speedup(double workers) const { return UslModel(1.0, sigma, kappa, workers); }
double UslFit::Throughput(double workers) const {
  return UslModel(lambda, sigma, kappa, workers);
}
double UslFit::PeakWorkers() const {
  return kappa <= 0 ? std::numeric_limits<double>::infinity() : std::sqrt((1 - sigma) / kappa);
}
int UslFit::BestWorkers(int max_workers) const {
  int best = 1;
  for (int n = 2; n <= max_workers; ++n) {
    if (Throughput(n) > Throughput(best)) best = n;
  }
  return best;
}
std::vector<std::pair<int, double>> UslFit::Curve(int max_workers) const {
  std::vector<std::pair<int, double>> curve;
  for (int n = 1; n <= max_workers; ++n) curve.emplace_back(n, Throughput(n));
  return curve;
}

absl::StatusOr<UslFit> FitUsl(absl::Span<const ThroughputSample> samples) {
  if (absl::Status s = CheckSamples(samples, 3); !s.ok()) return s;
  double scale = 0;
  for (const ThroughputSample& s : samples) scale = std::max(scale, s.throughput);

  // Initial guess: lambda from the best per-worker throughput, sigma and
  // kappa from the linearization.
  double lambda0 = 0;
  for (const ThroughputSample& s : samples) {
    lambda0 = std::max(lambda0, s.throughput / scale / s.workers);
  }
  double a11 = 0, a12 = 0, a22 = 0, b1 = 0, b2 = 0;
  for (const ThroughputSample& s : samples) {
    const double n = s.workers;
    const double y = n * lambda0 / (s.throughput / scale) - 1.0;
    const double u = n - 1.0, v = n * (n - 1.0);
    a11 += u * u;
    a12 += u * v;
    a22 += v * v;
    b1 += u * y;
    b2 += v * y;
  }
  std::array<double, 3> p = {lambda0, 0.0, 0.0};
  const double det = a11 * a22 - a12 * a12;
  if (std::abs(det) > 1e-300) {
    p[1] = (b1 * a22 - b2 * a12) / det;
    p[2] = (a11 * b2 - a12 * b1) / det;
  }
  Project(p);

  double mu = 1e-3;
  double rss = UslRss(samples, scale, p);
  int iterations = 0;
  for (; iterations < 200; ++iterations) {
    std::array<std::array<double, 3>, 3> jtj{};
    std::array<double, 3> jtr{};
    for (const ThroughputSample& s : samples) {
      const double n = s.workers;
      const double d = 1.0 + p[1] * (n - 1.0) + p[2] * n * (n - 1.0);
      const double f = p[0] * n / d;
      const std::array<double, 3> j = {n / d, -p[0] * n * (n - 1.0) / (d * d),
                                       -p[0] * n * n * (n - 1.0) / (d * d)};
      const double r = s.throughput / scale - f;
      for (int a = 0; a < 3; ++a) {
        jtr[a] += j[a] * r;
        for (int b = 0; b < 3; ++b) jtj[a][b] += j[a] * j[b];
      }
    }
    bool improved = false;
    for (int attempt = 0; attempt < 20 && !improved; ++attempt) {
      std::array<std::array<double, 3>, 3> a = jtj;
      for (int k = 0; k < 3; ++k) a[k][k] += mu * std::max(jtj[k][k], 1e-12);
      std::array<double, 3> delta{};
      if (!Solve3(a, jtr, delta)) {
        mu *= 10;
        continue;
      }
      std::array<double, 3> candidate = {p[0] + delta[0], p[1] + delta[1], p[2] + delta[2]};
      Project(candidate);
      const double candidate_rss = UslRss(samples, scale, candidate);
      if (candidate_rss < rss) {
        const double gain = rss - candidate_rss;
        p = candidate;
        rss = candidate_rss;
        mu = std::max(mu / 10, 1e-12);
        improved = true;
        if (gain < 1e-15 * (1 + rss)) iterations = 1000;  // converged
      } else {
        mu *= 10;
      }
    }
    if (!improved) break;
  }
  UslFit fit;
  fit.lambda = p[0] * scale;
  fit.sigma = p[1];
  fit.kappa = p[2];
  fit.iterations = std::min(iterations, 200);
  fit.r_squared = RSquared(samples, rss * scale * scale);
  double mean = 0;
  for (const ThroughputSample& s : samples) mean += s.throughput / scale;
  mean /= static_cast<double>(samples.size());
  fit.relative_rmse = std::sqrt(rss / static_cast<double>(samples.size())) / mean;
  return fit;
}

// ---------------------------------------------------------------------------
// HillClimber

HillClimber::HillClimber(const HillClimberOptions& options, int initial_workers)
    : options_(options),
      current_(std::clamp(initial_workers, options.min_workers, options.max_workers)),
      origin_(current_),
      step_(std::max(1, options.max_step / 2)) {}

void HillClimber::Add(int workers, double throughput, absl::Time now) {
  Stats& s = stats_[workers];
  ++s.count;
  const double delta = throughput - s.mean;
  s.mean += delta / s.count;
  s.m2 += delta * (throughput - s.mean);
  s.last = now;
}

void HillClimber::Forget(absl::Time now) {
  for (auto it = stats_.begin(); it != stats_.end();) {
    if (now - it->second.last > options_.memory) {
      it = stats_.erase(it);
    } else {
      ++it;
    }
  }
}

int HillClimber::Compare(int candidate, int baseline, bool adding) const {
  const auto c = stats_.find(candidate), b = stats_.find(baseline);
  if (c == stats_.end() || c->second.count < options_.min_samples) return 0;
  if (b == stats_.end() || b->second.count < 2) return 1;  // nothing to compare with
  const Stats& cs = c->second;
  const Stats& bs = b->second;
  const double se = std::sqrt(cs.Variance() / cs.count + bs.Variance() / bs.count);
  const double diff = cs.mean - bs.mean;
  const double margin = options_.confidence_z * se + (adding ? options_.add_bias * bs.mean : 0);
  if (diff > margin) return 1;
  if (diff < -options_.confidence_z * se) return -1;
  if (cs.count >= options_.max_samples) return 2;
  return 0;
}

int HillClimber::BestMeasured() const {
  int best = current_;
  double best_mean = -1;
  for (const auto& [workers, s] : stats_) {
    if (s.count >= options_.min_samples && s.mean > best_mean) {
      best_mean = s.mean;
      best = workers;
    }
  }
  return best;
}

double HillClimber::MeanAt(int workers) const {
  auto it = stats_.find(workers);
  return it == stats_.end() ? 0 : it->second.mean;
}

int HillClimber::best() const {
  if (model_.has_value() && !stats_.empty()) {
    // Trust the model's peak only within the measured range.
    const int peak = model_->BestWorkers(options_.max_workers);
    if (peak >= stats_.begin()->first && peak <= stats_.rbegin()->first) return peak;
  }
  return BestMeasured();
}

void HillClimber::RefreshModel() {
  model_.reset();
  if (options_.model_min_counts <= 0) return;
  // Each count's mean, weighted by its number of samples (repeated, capped):
  // the least-squares fit of the means equals the fit of the raw samples.
  std::vector<ThroughputSample> points;
  int counts = 0;
  for (const auto& [workers, s] : stats_) {
    if (s.count < options_.min_samples) continue;
    ++counts;
    for (int i = 0; i < std::min(s.count, 64); ++i) {
      points.push_back({static_cast<double>(workers), s.mean});
    }
  }
  if (counts < std::max(3, options_.model_min_counts)) return;
  absl::StatusOr<UslFit> fit = FitUsl(points);
  if (fit.ok() && fit->relative_rmse <= options_.model_max_relative_rmse) model_ = *fit;
}

WorkerDecision HillClimber::MoveTo(int target, absl::Time now, std::string reason) {
  target = std::clamp(target, options_.min_workers, options_.max_workers);
  WorkerDecision d;
  d.changed = target != current_;
  current_ = target;
  last_move_ = now;
  d.workers = current_;
  d.reason = std::move(reason);
  return d;
}

WorkerDecision HillClimber::Hold(std::string reason) const {
  return WorkerDecision{current_, false, std::move(reason)};
}

int HillClimber::CpuCeiling() const {
  return options_.effective_cpus > 0
             ? std::max(1, static_cast<int>(std::ceil(options_.effective_cpus - 1e-9)))
             : 0;
}

int HillClimber::AddLimit(const ExecutorSample& sample, std::string* why) const {
  if (options_.effective_cpus <= 0 || !(sample.task_wall_seconds > 0)) {
    return options_.max_workers;
  }
  const double blocking =
      std::clamp(1.0 - sample.task_cpu_seconds / sample.task_wall_seconds, 0.0, 1.0);
  if (blocking >= options_.cpu_bound_blocking_below) return options_.max_workers;
  const int cpus = CpuCeiling();
  *why = absl::StrFormat("CPU-bound tasks (blocking %.0f%% < %.0f%%) on %.4g CPUs",
                         100 * blocking, 100 * options_.cpu_bound_blocking_below,
                         options_.effective_cpus);
  return std::max(options_.min_workers, cpus);
}

WorkerDecision HillClimber::Step(const ExecutorSample& sample) {
  const absl::Time now = sample.now;
  Forget(now);
  if (!(sample.throughput > 0)) {
    return Hold(absl::StrFormat("no task completed in the window: sample discarded (%d workers)",
                                current_));
  }
  if (sample.workers >= 1) Add(sample.workers, sample.throughput, now);
  const bool machine_saturated = sample.system_cpu_utilization >= options_.cpu_saturation;
  const bool saturated =
      sample.cpu_utilization >= options_.cpu_saturation || machine_saturated;
  const bool idle = sample.idle_fraction >= options_.idle_threshold;
  std::string why_cap;
  const int add_limit = AddLimit(sample, &why_cap);
  const bool capped = current_ >= add_limit;
  const bool may_add = !saturated && !idle && !capped;
  const std::string why_not_add =
      saturated ? absl::StrFormat("CPU %.0f%% (machine %.0f%%) >= %.0f%%",
                                  100 * sample.cpu_utilization,
                                  100 * sample.system_cpu_utilization,
                                  100 * options_.cpu_saturation)
      : idle    ? absl::StrFormat("workers idle %.0f%% >= %.0f%%", 100 * sample.idle_fraction,
                                  100 * options_.idle_threshold)
                : why_cap;
  // With the CPUs saturated (by us or by other processes) and no more
  // workers than CPUs, fewer workers can only get less CPU: no probe at all
  // (under saturation by others the samples measure their load, not ours).
  const int cpus = CpuCeiling();
  if (saturated && cpus > 0 && current_ <= cpus && phase_ != Phase::kProbe) {
    return Hold(absl::StrFormat("no probe: %s, %d workers for %d CPUs", why_not_add, current_,
                                cpus));
  }
  // Every upward move below stops at add_limit.
  auto up_to_limit = [&](int target) {
    return target > current_ ? std::max(current_, std::min(target, add_limit)) : target;
  };

  if (now - last_move_ < options_.min_move_interval) {
    return Hold("rate limit: last move too recent");
  }
  const Stats* here = stats_.contains(current_) ? &stats_.at(current_) : nullptr;
  if (here == nullptr || here->count < options_.min_samples) {
    return Hold(absl::StrFormat("measuring %d workers (%d of %d samples)", current_,
                                here == nullptr ? 0 : here->count, options_.min_samples));
  }

  if (phase_ == Phase::kSettled) {
    if (now - settled_at_ < options_.settle_hold) {
      // Still watch for a regression at the settled count.
      return Hold(absl::StrFormat("settled at %d workers (%.4g/s)", current_, here->mean));
    }
    // Re-probe wide: points a full step either side keep the model's
    // curvature (sigma vs kappa) well determined once old points expire.
    phase_ = Phase::kMeasure;
    failed_directions_ = 0;
    step_ = options_.max_step;
  }

  if (phase_ == Phase::kProbe) {
    const bool adding = current_ > origin_;
    const int verdict = Compare(current_, origin_, adding);
    const Stats& base = stats_.contains(origin_) ? stats_.at(origin_) : *here;
    if (verdict == 0) {
      return Hold(absl::StrFormat("probing %d vs %d workers: %.4g/s vs %.4g/s, not yet "
                                  "significant",
                                  current_, origin_, here->mean, base.mean));
    }
    if (verdict == 1) {
      const std::string reason =
          absl::StrFormat("%d workers beat %d: %.4g/s vs %.4g/s (significant)", current_,
                          origin_, here->mean, base.mean);
      origin_ = current_;
      phase_ = Phase::kMeasure;
      failed_directions_ = 0;
      step_ = std::min(step_ * 2, options_.max_step);
      return Hold(reason);
    }
    // Worse, or no better after max_samples: return to the best known count.
    const std::string reason = absl::StrFormat(
        "%d workers %s %d (%.4g/s vs %.4g/s); back to the best, %d", current_,
        verdict == -1 ? "worse than" : "no better than", origin_, here->mean, base.mean,
        best());
    // Only failures at the finest step count towards settling: a coarse step
    // may have jumped over the peak, so the step halves first.
    if (step_ == 1) ++failed_directions_;
    direction_ = -direction_;
    step_ = std::max(1, step_ / 2);
    phase_ = Phase::kMeasure;
    const int target = up_to_limit(best());
    origin_ = target;
    return MoveTo(target, now, reason);
  }

  // phase_ == kMeasure: the current count is measured; choose a probe.
  RefreshModel();
  if (failed_directions_ >= 2) {
    // Both neighbours are no better: settle on the best evidence.
    const int target = up_to_limit(best());
    std::string reason =
        absl::StrFormat("neighbours no better; settle at the best measured, %d", target);
    if (model_.has_value()) {
      if (target != BestMeasured() || target == model_->BestWorkers(options_.max_workers)) {
        reason = absl::StrFormat(
            "neighbours no better; settle at the USL peak %d (sigma %.3g, kappa %.3g, "
            "rmse %.1f%%)",
            target, model_->sigma, model_->kappa, 100 * model_->relative_rmse);
      }
    }
    phase_ = Phase::kSettled;
    settled_at_ = now;
    origin_ = target;
    if (target > current_ && !may_add) return Hold(absl::StrCat("settle: ", why_not_add));
    return MoveTo(target, now, reason);
  }
  if (model_.has_value() && !model_tried_at_peak_) {
    const int peak = model_->BestWorkers(options_.max_workers);
    if (std::abs(peak - current_) >= 2 && (peak < current_ || may_add)) {
      model_tried_at_peak_ = true;
      origin_ = current_;
      phase_ = Phase::kProbe;
      const int target = up_to_limit(
          current_ + std::clamp(peak - current_, -2 * options_.max_step, 2 * options_.max_step));
      return MoveTo(target, now,
                    absl::StrFormat("USL fit (sigma %.3g, kappa %.3g, rmse %.1f%%) peaks at %d; "
                                    "probe %d",
                                    model_->sigma, model_->kappa,
                                    100 * model_->relative_rmse, peak,
                                    target));
    }
  }
  int dir = direction_;
  if (dir > 0 && !may_add) dir = -1;  // never add under saturation or idleness
  if (idle && dir > 0) dir = -1;
  int target = up_to_limit(
      std::clamp(current_ + dir * step_, options_.min_workers, options_.max_workers));
  if (target == current_) {
    dir = -dir;
    if (dir > 0 && !may_add) {
      ++failed_directions_;
      return Hold(absl::StrCat("at the bound; no addition: ", why_not_add));
    }
    target = up_to_limit(
        std::clamp(current_ + dir * step_, options_.min_workers, options_.max_workers));
    if (target == current_) return Hold("single allowed count");
  }
  direction_ = dir;
  origin_ = current_;
  phase_ = Phase::kProbe;
  std::string reason = absl::StrFormat("probe %d workers from %d (%.4g/s)", target, current_,
                                       here->mean);
  if (dir < 0 && !may_add) absl::StrAppend(&reason, "; no addition: ", why_not_add);
  return MoveTo(target, now, reason);
}

}  // namespace adaptrt::tuning
