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

// The exact curve of `kind` at `capacities`: one full-size simulation per
// capacity over the whole trace (the reference mini-simulations estimate).
// O(|trace| x |capacities|).
MissRatioCurve ExactPolicyCurve(absl::Span<const uint64_t> trace, cache::PolicyKind kind,
                                absl::Span<const double> capacities);

}  // namespace adaptrt::tuning

#endif  // ADAPTRT_TUNING_POLICY_SIMULATOR_H_
