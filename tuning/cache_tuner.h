// cache_tuner.h: how big each cache tier should be.
//
// The decision starts from the original design's rule (30% of available
// memory, split 10/30/60 across L1/L2/L3, each clamped to [50, 500],
// [200, 2000], [500, 8000] MB) and then moves along a miss-ratio curve (LRU's,
// or each candidate policy's with DecidePolicyAndTierSizes):
//   * the least memory that reaches the target hit rate (default 80%) within
//     the budget, read off the raw curve;
//   * otherwise the knee of the curve's convex hull (Talus: judge marginal
//     gains on the hull, so a cliff is seen as the slope it really offers):
//     the last hull vertex before the gain falls below `knee_min_gain`
//     hit-ratio points per 10% of the budget, capped by the budget. Hull
//     vertices are points of the raw curve, so their hit ratio is reached
//     without partitioning.
// The total is split 10/30/60; each tier is capped at its maximum (overflow
// goes to the next tier with room). The minimums of the original rule are
// not enforced when the curve shows less is enough (that is the point).
//
// CacheController wraps the decision for the auto-tuner: it turns sampled
// key hashes into a SHARDS curve (aged by `decay` after each decision so a
// shifted working set takes over), and decides every `decision_accesses`
// sampled accesses, skipping changes smaller than `min_change`. When the live
// cache runs LFU or ARC, or other policies are candidates, it also keeps the
// last `minisim_window` forwarded hashes and mini-simulates each policy on
// them (cache/policy code, policy_simulator.h): the live policy's curve sizes
// the tiers, and a candidate that would do better is named in the decision
// (no knob switches a live cache's policy; runtime/ or the user acts on it).
//
// Thread-safety: DecideTierSizes and OriginalRule are pure; CacheController
//                is not thread-safe (one owner).
// Complexity:    O(curve points) per decision; CacheController::Step O(keys
//                in the sample x log), plus, with the window in use, one
//                mini-simulation per policy and capacity at each decision:
//                O(minisim_window x minisim_capacities x policies).
// Ownership:     values only.
// Errors:        none; a missing curve keeps the original rule.

#ifndef ADAPTRT_TUNING_CACHE_TUNER_H_
#define ADAPTRT_TUNING_CACHE_TUNER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "cache/policy/policy.h"
#include "tuning/knobs.h"
#include "tuning/mrc.h"

namespace adaptrt::tuning {

struct TierSizes {
  uint64_t l1_bytes = 0;
  uint64_t l2_bytes = 0;
  uint64_t l3_bytes = 0;
  uint64_t total() const { return l1_bytes + l2_bytes + l3_bytes; }
  friend bool operator==(const TierSizes&, const TierSizes&) = default;
};

// Fixed for the life of a decision or controller (none changes at run time).
struct CacheTunerOptions {
  double target_hit_rate = 0.8;
  // The original rule.
  double memory_fraction = 0.3;
  double l1_share = 0.1, l2_share = 0.3, l3_share = 0.6;
  uint64_t l1_min_bytes = 50ull << 20, l1_max_bytes = 500ull << 20;
  uint64_t l2_min_bytes = 200ull << 20, l2_max_bytes = 2000ull << 20;
  uint64_t l3_min_bytes = 500ull << 20, l3_max_bytes = 8000ull << 20;
  // Knee: stop growing where a further 10% of the budget buys less than this
  // many hit-ratio points (0.01 = one point).
  double knee_min_gain = 0.01;
  // Smallest total the tuner will choose (an empty cache helps no one).
  uint64_t min_total_bytes = 1ull << 20;
};

// The original rule for `available_bytes` of memory.
TierSizes OriginalRule(uint64_t available_bytes, const CacheTunerOptions& options = {});

// Splits `total` 10/30/60 with the tier maximums (overflow moves up a tier;
// what no tier can take is dropped).
TierSizes SplitTotal(uint64_t total, const CacheTunerOptions& options = {});

struct CacheDecision {
  // The policy whose curve the sizes come from (DecidePolicyAndTierSizes
  // picks it; DecideTierSizes leaves LRU).
  cache::PolicyKind policy = cache::PolicyKind::kLru;
  TierSizes sizes;
  TierSizes original;                // the original rule's sizes
  double predicted_hit_rate = 0;     // the curve at sizes.total()
  double original_hit_rate = 0;      // the curve at original.total()
  bool target_reached = false;
  // Set by CacheController: the hit rate the cache reported (CacheSample hits
  // and misses) since the previous decision, and what that decision predicted.
  std::optional<double> measured_hit_rate;
  std::optional<double> previous_prediction;
  // Set by CacheController when a candidate policy beats the live one on the
  // mini-simulations of the recent window (DecidePolicyAndTierSizes' choice).
  std::optional<cache::PolicyKind> recommended_policy;
  std::string reason;
};

// `curve` is in entries; `entry_bytes` converts (>= 1). `budget_bytes` caps
// the total; `available_bytes` feeds the original rule.
CacheDecision DecideTierSizes(const MissRatioCurve& curve, uint64_t entry_bytes,
                              uint64_t budget_bytes, uint64_t available_bytes,
                              const CacheTunerOptions& options = {});

// One candidate policy and its miss-ratio curve (in entries): SHARDS or an
// exact curve for LRU, mini-simulations (policy_simulator.h) for LFU and ARC.
struct PolicyCurve {
  cache::PolicyKind policy = cache::PolicyKind::kLru;
  MissRatioCurve curve;
};

// Chooses the policy and the tier sizes: DecideTierSizes on each curve, then
//   * among the policies that reach the target within the budget, the one
//     needing the least memory (ties: the higher predicted hit rate);
//   * if none does, the highest predicted hit rate; a policy within
//     `policy_tie_hit_rate` of the best wins if it needs less memory;
//   * remaining ties go to the earlier curve in `curves` (list the cheapest
//     policy first: LRU, then LFU, then ARC).
// The reason names every candidate's size and predicted hit rate.
// REQUIRES: !curves.empty().
CacheDecision DecidePolicyAndTierSizes(absl::Span<const PolicyCurve> curves,
                                       uint64_t entry_bytes, uint64_t budget_bytes,
                                       uint64_t available_bytes,
                                       const CacheTunerOptions& options = {},
                                       double policy_tie_hit_rate = 0.005);

// Fixed at construction.
struct CacheControllerOptions {
  CacheTunerOptions tuner;
  // The curve's sample: fixed-size SHARDS over the hashes the source sends.
  ShardsOptions shards = {1.0, 8192, true, 0x5eed};
  // Decide after this many accesses (as forwarded in key_hashes, scaled by
  // 1 / key_sampling_rate) since the last decision.
  uint64_t decision_accesses = 100000;
  // Multiply the curve's weights by this after each decision (0 < d <= 1).
  double decay = 0.5;
  // Skip a new decision whose total differs from the last by less than this
  // fraction (hysteresis).
  double min_change = 0.05;
  // Entry size when the sample does not say.
  uint64_t default_entry_bytes = 4096;
  // The policy the live cache runs; its curve sizes the tiers (LRU: SHARDS;
  // LFU, ARC: mini-simulations on the window).
  cache::PolicyKind live_policy = cache::PolicyKind::kLru;
  // Policies to compare with the live one on the window (e.g. {kLru, kLfu,
  // kArc}); empty: no comparison.
  std::vector<cache::PolicyKind> candidate_policies;
  // Forwarded key hashes kept for the mini-simulations (the most recent);
  // the first half of the window warms the simulated caches, the second
  // half is measured.
  size_t minisim_window = 65536;
  // Capacities simulated per policy: geometric, sqrt(2) apart, the largest
  // the budget in entries.
  int minisim_capacities = 16;
};

class CacheController {
 public:
  explicit CacheController(const CacheControllerOptions& options = {});

  // Feeds one sample. Returns a decision when one is due and its sizes differ
  // enough from the last (or its recommended policy changed); nullopt
  // otherwise.
  std::optional<CacheDecision> Step(const CacheSample& sample, uint64_t budget_bytes,
                                    uint64_t available_bytes);

  std::optional<TierSizes> last() const { return last_; }

 private:
  bool UsesWindow() const;
  // The mini-simulation curve of `kind` on the window (full-scale entries).
  MissRatioCurve WindowCurve(cache::PolicyKind kind, double max_entries) const;

  CacheControllerOptions options_;
  Shards shards_;
  double accesses_since_decision_ = 0;
  uint64_t hits_since_decision_ = 0;
  uint64_t misses_since_decision_ = 0;
  std::optional<double> last_prediction_;
  double sampling_rate_ = 1.0;
  uint64_t entry_bytes_;
  std::optional<TierSizes> last_;
  std::vector<uint64_t> window_;  // ring buffer of forwarded hashes
  size_t window_next_ = 0;        // total hashes ever written
  std::optional<cache::PolicyKind> last_recommended_;
};

}  // namespace adaptrt::tuning

#endif  // ADAPTRT_TUNING_CACHE_TUNER_H_
