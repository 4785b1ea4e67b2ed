// policy_simulator.h: mini-simulation caches backed by cache/policy's real
// LRU, LFU and ARC code (the same classes the production shards run), for
// miss-ratio curves of any policy (Waldspurger et al., "Cache Modeling and
// Optimization using Miniature Simulations", ATC'17).
//
// A simulator is a cache of `capacity` unit-size entries driven exactly as a
// cache shard drives its policy (policy.h's protocol): a hit calls OnAccess;
// a miss calls PrepareInsert, evicts Victim()s until the new entry fits, then
// OnInsert. It never touches a live cache: pure computation over keys.
//
// Thread-safety: not thread-safe; one owner per simulator. The free
//                functions are thread-safe.
// Complexity:    Access O(1) expected (the policy's hooks are O(1); one hash
//                lookup). Memory O(capacity): the hooks are allocated once at
//                construction, the index is reserved for `capacity` keys.
// Ownership:     the simulator owns its hooks and its policy.
// Errors:        none; a capacity of 0 is treated as 1.

#ifndef ADAPTRT_TUNING_POLICY_SIMULATOR_H_
#define ADAPTRT_TUNING_POLICY_SIMULATOR_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/types/span.h"
#include "cache/policy/policy.h"
#include "tuning/mrc.h"

namespace adaptrt::tuning {

class CachePolicySimulator final : public PolicySimulator {
 public:
  CachePolicySimulator(cache::PolicyKind kind, uint64_t capacity);

  // Returns true on a hit; on a miss inserts `key`, evicting as the policy
  // says.
  bool Access(uint64_t key) override;

  size_t size() const { return index_.size(); }
  const cache::EvictionPolicy& policy() const { return *policy_; }

 private:
  uint32_t SlotOf(const cache::PolicyHook* h) const {
    return static_cast<uint32_t>(h - hooks_.data());
  }

  uint64_t capacity_;
  std::unique_ptr<cache::EvictionPolicy> policy_;
  // Fixed size (capacity_ + 1, one spare for the entry being inserted):
  // hook addresses never move while linked.
  std::vector<cache::PolicyHook> hooks_;
  std::vector<uint64_t> keys_;   // key of each slot in use
  std::vector<uint32_t> free_;   // slots not in use
  absl::flat_hash_map<uint64_t, uint32_t> index_;  // key -> slot
};

// A factory for MiniSimulationCurve.
PolicySimulatorFactory CachePolicyFactory(cache::PolicyKind kind);

// The smallest sampling rate at which an LFU mini-simulation is about as
// accurate as LRU's SHARDS at R = 0.01 on the traces measured (docs/tuning.md
// section 4: OLTP, MAE 0.010 mean / 0.016 worst of 5 seeds at 0.3, against
// 0.146 / 0.170 at 0.01). In-cache LFU is not scale-invariant: a real cache
// whose low-frequency region is smaller than 1/R slots cannot be represented
// by a cache of R x C slots (the region is at least one slot there), so a
// newcomer survives about 1/R times more real misses in the mini-cache and
// LFU's hit ratio is overestimated. The error depends on R, not on R x C (a
// larger scaled cache at the same R does not help): only a larger sample does.
inline constexpr double kLfuMinMiniSimulationRate = 0.3;

// The rate to mini-simulate `kind` at when the caller's sample rate is
// `rate`: `rate` for LRU and ARC (scale-invariant enough at 0.01); for LFU at
// least `lfu_min_rate` (capped at 1). lfu_min_rate <= 0 turns the floor off.
// Cost: the LFU simulation keeps and replays max(rate, lfu_min_rate) / rate
// times as many references.
double MiniSimulationRateFor(cache::PolicyKind kind, double rate,
                             double lfu_min_rate = kLfuMinMiniSimulationRate);

// The exact curve of `kind` at `capacities`: one full-size simulation per
// capacity over the whole trace (the reference mini-simulations estimate).
// O(|trace| x |capacities|).
MissRatioCurve ExactPolicyCurve(absl::Span<const uint64_t> trace, cache::PolicyKind kind,
                                absl::Span<const double> capacities);

}  // namespace adaptrt::tuning

#endif  // ADAPTRT_TUNING_POLICY_SIMULATOR_H_
