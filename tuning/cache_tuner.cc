// cache_tuner.cc: tier sizing from miss-ratio curves.
//
// Invariants of a decision: sizes.total() <= budget; each tier at most its
// maximum; the chosen total is a hull vertex (or the budget, or the minimum),
// so the predicted hit rate is a value of the raw curve. CacheController:
// window_ is empty unless UsesWindow(); then it holds the last
// min(window_next_, minisim_window) forwarded hashes, the oldest at
// window_next_ % size once full. Not thread-safe; no atomics.

#include "tuning/cache_tuner.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tuning/policy_simulator.h"

namespace adaptrt::tuning {
namespace {

std::string Mb(double bytes) { return absl::StrFormat("%.1f MB", bytes / (1 << 20)); }

uint64_t Share(uint64_t total, double share) {
  return static_cast<uint64_t>(std::llround(static_cast<double>(total) * share));
}

}  // namespace

TierSizes OriginalRule(uint64_t available_bytes, const CacheTunerOptions& o) {
  const uint64_t total = Share(available_bytes, o.memory_fraction);
  TierSizes sizes;
  sizes.l1_bytes = std::clamp(Share(total, o.l1_share), o.l1_min_bytes, o.l1_max_bytes);
  sizes.l2_bytes = std::clamp(Share(total, o.l2_share), o.l2_min_bytes, o.l2_max_bytes);
  sizes.l3_bytes = std::clamp(Share(total, o.l3_share), o.l3_min_bytes, o.l3_max_bytes);
  return sizes;
}

TierSizes SplitTotal(uint64_t total, const CacheTunerOptions& o) {
  TierSizes sizes;
  sizes.l1_bytes = std::min(Share(total, o.l1_share), o.l1_max_bytes);
  sizes.l2_bytes = std::min(Share(total, o.l2_share), o.l2_max_bytes);
  sizes.l3_bytes = std::min(total - std::min(total, sizes.l1_bytes + sizes.l2_bytes),
                            o.l3_max_bytes);
  // Overflow of a capped tier goes to the tiers with room, L3 first.
  uint64_t left = total - std::min(total, sizes.total());
  for (auto [tier, max] : {std::pair{&sizes.l3_bytes, o.l3_max_bytes},
                           std::pair{&sizes.l2_bytes, o.l2_max_bytes},
                           std::pair{&sizes.l1_bytes, o.l1_max_bytes}}) {
    const uint64_t add = std::min(left, max - std::min(max, *tier));
    *tier += add;
    left -= add;
  }
  return sizes;
}

CacheDecision DecideTierSizes(const MissRatioCurve& curve, uint64_t entry_bytes,
                              uint64_t budget_bytes, uint64_t available_bytes,
                              const CacheTunerOptions& o) {
  entry_bytes = std::max<uint64_t>(entry_bytes, 1);
  const double eb = static_cast<double>(entry_bytes);
  CacheDecision d;
  d.original = OriginalRule(available_bytes, o);
  const uint64_t max_total = std::min(budget_bytes, o.l1_max_bytes + o.l2_max_bytes +
                                                        o.l3_max_bytes);
  const auto hit_at = [&](double bytes) { return curve.HitRatio(bytes / eb); };
  d.original_hit_rate = hit_at(static_cast<double>(std::min(d.original.total(), max_total)));
  if (curve.empty()) {
    d.sizes = SplitTotal(std::min(d.original.total(), max_total), o);
    d.predicted_hit_rate = hit_at(static_cast<double>(d.sizes.total()));
    d.reason = "no miss-ratio curve yet: the original rule, within the budget";
    return d;
  }
  const MissRatioCurve hull = curve.ConvexHull();
  const double target_miss = 1.0 - o.target_hit_rate;
  double chosen = -1;
  // 1. The least memory reaching the target within the budget, read off the
  //    raw curve (partitioning, which would make the hull reachable, is not
  //    implemented by the cache).
  if (const std::optional<double> need = curve.CapacityFor(target_miss);
      need.has_value() && *need * eb <= static_cast<double>(max_total)) {
    chosen = *need * eb;
    d.target_reached = true;
    d.reason = absl::StrFormat(
        "least memory reaching the %.0f%% target: %s (%.0f entries of %d bytes)",
        100 * o.target_hit_rate, Mb(chosen), *need, entry_bytes);
  }
  // 2. Otherwise the knee within the budget.
  if (chosen < 0) {
    const double step = 0.1 * static_cast<double>(max_total);  // bytes per "10% of budget"
    MissRatioCurve::Point previous{0, 1};
    chosen = 0;
    for (const MissRatioCurve::Point& v : hull.points()) {
      const double bytes = v.capacity * eb;
      if (bytes <= previous.capacity * eb) continue;
      // Gain per 10% of the budget along this hull segment.
      const double gain =
          (previous.miss_ratio - v.miss_ratio) / (bytes - previous.capacity * eb) * step;
      if (gain < o.knee_min_gain) break;
      if (bytes > static_cast<double>(max_total)) {
        chosen = static_cast<double>(max_total);  // still steep: take the whole budget
        break;
      }
      chosen = bytes;
      previous = v;
    }
    d.reason = absl::StrFormat(
        "the %.0f%% target is out of reach within %s (%s); the knee of the curve's hull, "
        "where another 10%% of the budget buys less than %.1f points, is at %s",
        100 * o.target_hit_rate, Mb(static_cast<double>(max_total)),
        hull.CapacityFor(target_miss).has_value()
            ? absl::StrFormat("it needs %s", Mb(*hull.CapacityFor(target_miss) * eb))
            : std::string("the curve never gets there on this workload"),
        100 * o.knee_min_gain, Mb(chosen));
  }
  const uint64_t total = std::min<uint64_t>(
      max_total, std::max<uint64_t>(static_cast<uint64_t>(std::ceil(chosen)), o.min_total_bytes));
  d.sizes = SplitTotal(total, o);
  d.predicted_hit_rate = hit_at(static_cast<double>(d.sizes.total()));
  absl::StrAppend(&d.reason,
                  absl::StrFormat("; predicted hit rate %.1f%% (original rule: %s, %.1f%%)",
                                  100 * d.predicted_hit_rate,
                                  Mb(static_cast<double>(d.original.total())),
                                  100 * d.original_hit_rate));
  return d;
}

CacheDecision DecidePolicyAndTierSizes(absl::Span<const PolicyCurve> curves,
                                       uint64_t entry_bytes, uint64_t budget_bytes,
                                       uint64_t available_bytes, const CacheTunerOptions& o,
                                       double policy_tie_hit_rate) {
  std::vector<CacheDecision> candidates;
  candidates.reserve(curves.size());
  for (const PolicyCurve& pc : curves) {
    candidates.push_back(DecideTierSizes(pc.curve, entry_bytes, budget_bytes, available_bytes, o));
    candidates.back().policy = pc.policy;
  }
  if (candidates.empty()) {
    return DecideTierSizes(MissRatioCurve(), entry_bytes, budget_bytes, available_bytes, o);
  }
  // Whether a is a better choice than b (b earlier in the list wins ties).
  const auto better = [&](const CacheDecision& a, const CacheDecision& b) {
    if (a.target_reached != b.target_reached) return a.target_reached;
    if (a.target_reached) {
      if (a.sizes.total() != b.sizes.total()) return a.sizes.total() < b.sizes.total();
      return a.predicted_hit_rate > b.predicted_hit_rate;
    }
    if (std::abs(a.predicted_hit_rate - b.predicted_hit_rate) <= policy_tie_hit_rate) {
      return a.sizes.total() < b.sizes.total();
    }
    return a.predicted_hit_rate > b.predicted_hit_rate;
  };
  size_t best = 0;
  for (size_t i = 1; i < candidates.size(); ++i) {
    if (better(candidates[i], candidates[best])) best = i;
  }
  CacheDecision d = candidates[best];
  std::string others;
  for (const CacheDecision& c : candidates) {
    absl::StrAppend(&others, others.empty() ? "" : ", ",
                    absl::StrFormat("%s %s %.1f%%%s", std::string(cache::PolicyKindName(c.policy)),
                                    Mb(static_cast<double>(c.sizes.total())),
                                    100 * c.predicted_hit_rate,
                                    c.target_reached ? " (target)" : ""));
  }
  d.reason = absl::StrFormat("policy %s (candidates: %s); %s",
                             std::string(cache::PolicyKindName(d.policy)), others, d.reason);
  return d;
}

CacheController::CacheController(const CacheControllerOptions& options)
    : options_(options), shards_(options.shards), entry_bytes_(options.default_entry_bytes) {}

bool CacheController::UsesWindow() const {
  return options_.minisim_window > 0 && (options_.live_policy != cache::PolicyKind::kLru ||
                                         !options_.candidate_policies.empty());
}

MissRatioCurve CacheController::WindowCurve(cache::PolicyKind kind, double max_entries) const {
  // Oldest first.
  std::vector<uint64_t> ordered;
  ordered.reserve(window_.size());
  const size_t start = window_next_ > window_.size() ? window_next_ % window_.size() : 0;
  for (size_t i = 0; i < window_.size(); ++i) {
    ordered.push_back(window_[(start + i) % window_.size()]);
  }
  // Capacities in the window's units (the source's sample: x rate).
  std::vector<double> capacities;
  const int n = std::max(options_.minisim_capacities, 1);
  for (int i = 0; i < n; ++i) {
    capacities.push_back(max_entries * sampling_rate_ * std::pow(2.0, -0.5 * (n - 1 - i)));
  }
  // The window is already the source's sample: simulate every hash (rate 1).
  // Its first half only warms the caches (a window is cut from a running
  // stream: a cold start would count the hot set's first accesses as misses).
  return MiniSimulationCurve(ordered, CachePolicyFactory(kind), capacities, 1.0, 0x5eed,
                             ordered.size() / 2)
      .Scaled(1.0 / sampling_rate_);
}

std::optional<CacheDecision> CacheController::Step(const CacheSample& sample,
                                                   uint64_t budget_bytes,
                                                   uint64_t available_bytes) {
  if (sample.key_sampling_rate > 0 && sample.key_sampling_rate <= 1) {
    sampling_rate_ = sample.key_sampling_rate;
  }
  if (sample.mean_entry_bytes > 0) entry_bytes_ = sample.mean_entry_bytes;
  const bool windowed = UsesWindow();
  for (uint64_t hash : sample.key_hashes) {
    shards_.Access(hash);
    if (windowed) {
      if (window_.size() < options_.minisim_window) {
        window_.push_back(hash);
      } else {
        window_[window_next_ % window_.size()] = hash;
      }
      ++window_next_;
    }
  }
  hits_since_decision_ += sample.hits;
  misses_since_decision_ += sample.misses;
  accesses_since_decision_ += static_cast<double>(sample.key_hashes.size()) / sampling_rate_;
  if (accesses_since_decision_ < static_cast<double>(options_.decision_accesses)) {
    return std::nullopt;
  }
  accesses_since_decision_ = 0;
  // The source's sample is spatial: capacities scale by 1 / its rate.
  const MissRatioCurve lru_curve = shards_.Curve().Scaled(1.0 / sampling_rate_);
  shards_.Decay(options_.decay);
  CacheDecision d;
  const cache::PolicyKind live = options_.live_policy;
  if (!windowed || window_.empty()) {
    d = DecideTierSizes(lru_curve, entry_bytes_, budget_bytes, available_bytes, options_.tuner);
  } else {
    const double max_entries =
        static_cast<double>(std::min(budget_bytes, options_.tuner.l1_max_bytes +
                                                       options_.tuner.l2_max_bytes +
                                                       options_.tuner.l3_max_bytes)) /
        static_cast<double>(std::max<uint64_t>(entry_bytes_, 1));
    // The live policy first: it wins ties.
    std::vector<PolicyCurve> curves = {{live, WindowCurve(live, max_entries)}};
    for (cache::PolicyKind kind : options_.candidate_policies) {
      if (kind != live) curves.push_back({kind, WindowCurve(kind, max_entries)});
    }
    d = DecideTierSizes(live == cache::PolicyKind::kLru ? lru_curve : curves[0].curve,
                        entry_bytes_, budget_bytes, available_bytes, options_.tuner);
    if (curves.size() > 1) {
      const CacheDecision choice = DecidePolicyAndTierSizes(curves, entry_bytes_, budget_bytes,
                                                            available_bytes, options_.tuner);
      if (choice.policy != live) {
        d.recommended_policy = choice.policy;
        absl::StrAppend(
            &d.reason,
            absl::StrFormat("; on the last %d sampled accesses %s would do better than the live "
                            "%s: %s",
                            window_.size(), std::string(cache::PolicyKindName(choice.policy)),
                            std::string(cache::PolicyKindName(live)), choice.reason));
      }
    }
  }
  d.policy = live;
  // Predicted vs measured: what the cache reported since the last decision.
  if (const uint64_t n = hits_since_decision_ + misses_since_decision_; n > 0) {
    d.measured_hit_rate = static_cast<double>(hits_since_decision_) / static_cast<double>(n);
    d.previous_prediction = last_prediction_;
    absl::StrAppend(&d.reason, absl::StrFormat("; measured hit rate %.1f%% since the last "
                                               "decision",
                                               100 * *d.measured_hit_rate));
    if (last_prediction_.has_value()) {
      absl::StrAppend(&d.reason, absl::StrFormat(" (predicted %.1f%%)", 100 * *last_prediction_));
    }
  }
  hits_since_decision_ = 0;
  misses_since_decision_ = 0;
  // Hysteresis on the sizes; a new recommendation is always reported.
  const bool new_recommendation = d.recommended_policy != last_recommended_;
  last_recommended_ = d.recommended_policy;
  if (last_.has_value() && !new_recommendation) {
    const double before = static_cast<double>(last_->total());
    const double after = static_cast<double>(d.sizes.total());
    if (before > 0 && std::abs(after - before) / before < options_.min_change) {
      return std::nullopt;
    }
  }
  last_ = d.sizes;
  last_prediction_ = d.predicted_hit_rate;
  return d;
}

}  // namespace adaptrt::tuning
