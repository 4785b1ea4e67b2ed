// policy_simulator.cc: a unit-charge cache over cache/policy's hooks.
//
// Invariants: every slot is either in free_ (at least one: there are
// capacity_ + 1 slots) or linked in the policy with its
// key in index_ (index_[keys_[s]] == s); index_.size() == policy_->size() <=
// capacity_ between calls. hooks_ is sized once, so linked hook addresses are
// stable. The hook's hash is the key itself (keys are already 64-bit
// identities; ARC's ghosts are looked up by it, so distinct keys never
// collide). Not thread-safe; no atomics.

#include "tuning/policy_simulator.h"

#include <algorithm>
#include <cmath>

namespace adaptrt::tuning {

CachePolicySimulator::CachePolicySimulator(cache::PolicyKind kind, uint64_t capacity)
    : capacity_(std::max<uint64_t>(capacity, 1)),
      policy_(cache::NewPolicy(kind, capacity_)),
      hooks_(capacity_ + 1),
      keys_(capacity_ + 1, 0) {
  policy_->Reserve(capacity_);
  index_.reserve(capacity_);
  free_.reserve(capacity_ + 1);
  for (uint64_t s = capacity_ + 1; s > 0; --s) free_.push_back(static_cast<uint32_t>(s - 1));
}

bool CachePolicySimulator::Access(uint64_t key) {
  if (auto it = index_.find(key); it != index_.end()) {
    policy_->OnAccess(&hooks_[it->second]);
    return true;
  }
  // A miss: the shard's insert protocol, with charge 1. There is always a
  // free slot (capacity_ + 1 hooks), so the new hook exists before room is
  // made, as in a shard.
  const uint32_t s = free_.back();
  free_.pop_back();
  cache::PolicyHook& h = hooks_[s];
  h = cache::PolicyHook{};
  h.hash = key;
  h.charge = 1;
  policy_->PrepareInsert(&h);
  while (policy_->charge() + 1 > capacity_) {
    cache::PolicyHook* victim = policy_->Victim();
    if (victim == nullptr) break;
    policy_->OnEvict(victim);
    const uint32_t v = SlotOf(victim);
    index_.erase(keys_[v]);
    free_.push_back(v);
  }
  policy_->OnInsert(&h);
  keys_[s] = key;
  index_.emplace(key, s);
  return false;
}

double MiniSimulationRateFor(cache::PolicyKind kind, double rate, double lfu_min_rate) {
  if (kind != cache::PolicyKind::kLfu || lfu_min_rate <= 0) return rate;
  return std::min(1.0, std::max(rate, lfu_min_rate));
}

PolicySimulatorFactory CachePolicyFactory(cache::PolicyKind kind) {
  return [kind](uint64_t capacity) {
    return std::make_unique<CachePolicySimulator>(kind, capacity);
  };
}

MissRatioCurve ExactPolicyCurve(absl::Span<const uint64_t> trace, cache::PolicyKind kind,
                                absl::Span<const double> capacities) {
  std::vector<MissRatioCurve::Point> points;
  if (trace.empty()) return MissRatioCurve::FromPoints({}, false);
  for (double capacity : capacities) {
    CachePolicySimulator sim(kind, static_cast<uint64_t>(std::max(1.0, std::round(capacity))));
    uint64_t misses = 0;
    for (uint64_t key : trace) misses += sim.Access(key) ? 0 : 1;
    points.push_back({capacity, static_cast<double>(misses) / static_cast<double>(trace.size())});
  }
  // Exact curves of LFU (and, rarely, ARC) need not be monotone; FromPoints
  // makes the curve non-increasing, which is what a tier decision may assume.
  return MissRatioCurve::FromPoints(std::move(points), false);
}

}  // namespace adaptrt::tuning
