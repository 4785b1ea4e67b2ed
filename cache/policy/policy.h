// policy.h: the eviction-policy interface. A policy orders entries it does not
// own and picks victims; the shard (index + lock + charge accounting) owns the
// entries and tells the policy what happened through intrusive hooks.
//
// Protocol (what the owner calls, in this order):
//   new entry:  PrepareInsert(h); while (over capacity) { v = Victim();
//               OnEvict(v); } OnInsert(h);
//   hit:        OnAccess(h)
//   removal not chosen by the policy (Erase, overwrite, expiry): OnErase(h)
//   capacity change: SetCapacity(c); then evict with Victim()/OnEvict() until
//               the owner's charge fits.
// The owner sets `hash` and `charge` of a hook before PrepareInsert and never
// changes them while the hook is linked. A policy measures its lists in charge
// units (each entry weighs `charge`), so with charge 1 per entry it behaves
// exactly as the textbook policy counts pages.
//
// Thread-safety: not thread-safe. The owner serializes every call (the shard's
//                exclusive lock); a policy holds no lock of its own.
// Complexity:    every hook O(1) (ARC: O(1) expected, its ghost directory is a
//                hash table).
// Ownership:     a policy never owns, allocates or frees entries. The hooks are
//                embedded in the owner's entries and stay valid while linked.
// Allocation:    hits (OnAccess) and victim selection never allocate. LFU's
//                bucket pool and ARC's ghost directory grow (amortized,
//                geometric) only in PrepareInsert/OnInsert, i.e. on the miss path
//                that allocates an entry anyway, and only past their previous
//                high-water mark; Reserve() pre-sizes them.
// Errors:        none; misuse (hooks not linked here) is checked by assert.

#ifndef ADAPTRT_CACHE_POLICY_POLICY_H_
#define ADAPTRT_CACHE_POLICY_POLICY_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"

namespace adaptrt::cache {

// Which eviction policy a cache (shard) uses.
enum class PolicyKind {
  kLru,  // least recently used
  kLfu,  // least frequently used, O(1) buckets, ties by least recent use
  kArc,  // Adaptive Replacement Cache (Megiddo & Modha, FAST'03)
};

// "lru", "lfu", "arc".
std::string_view PolicyKindName(PolicyKind kind);

// Parses "lru" / "lfu" / "arc" (case-insensitive).
// Errors: InvalidArgument naming the text for anything else.
absl::StatusOr<PolicyKind> ParsePolicyKind(std::string_view text);

// The intrusive hook a policy links. Embedded in the owner's entry.
struct PolicyHook {
  PolicyHook* prev = nullptr;  // policy-private links
  PolicyHook* next = nullptr;
  std::uint64_t hash = 0;      // set by the owner: a 64-bit hash of the key
  std::uint64_t charge = 1;    // set by the owner: the entry's weight, >= 1
  std::uint32_t tag = 0;       // policy-private (list id, bucket index)
  std::uint32_t spare = 0;     // unused by policies; free for the owner
                               // (Cache: its RefreshFilter's stamp)
};

class EvictionPolicy {
 public:
  virtual ~EvictionPolicy() = default;

  // "lru", "lfu" or "arc".
  virtual std::string_view name() const = 0;

  // The capacity in charge units the owner enforces. ARC adapts its target
  // and bounds its ghost directory by it; LRU and LFU only record it. May be
  // called at any time; the owner then evicts with Victim()/OnEvict().
  // REQUIRES: capacity >= 1.
  virtual void SetCapacity(std::uint64_t capacity) = 0;
  virtual std::uint64_t capacity() const = 0;

  // Pre-sizes internal pools for `entries` resident entries, so that the miss
  // path does not allocate either. Optional.
  virtual void Reserve(std::size_t entries) = 0;

  // Announces that `h` (not linked) is about to be inserted, before the owner
  // makes room for it. ARC looks the hash up in its ghosts and adapts p here,
  // which decides the victims that follow.
  virtual void PrepareInsert(PolicyHook* h) = 0;

  // Links a new entry. REQUIRES: PrepareInsert(h) was the last Prepare call.
  virtual void OnInsert(PolicyHook* h) = 0;

  // Records a hit on a linked entry.
  virtual void OnAccess(PolicyHook* h) = 0;

  // True when OnInsert and OnAccess each make their entry the most recent
  // and nothing else reorders linked entries (LRU): an entry then has at
  // most as many entries ahead of it as inserts and hits were applied since
  // it last became the most recent. A concurrent cache uses this to skip
  // recording hits on entries near the front (cache_internal::RefreshFilter).
  // Fixed for a policy object. Default: false.
  virtual bool RecencyOrdered() const { return false; }

  // Unlinks an entry removed by the owner (erase, overwrite, expiry). Leaves
  // no history (no ARC ghost).
  virtual void OnErase(PolicyHook* h) = 0;

  // The entry the policy would evict next, still linked; nullptr when empty.
  // Does not change the policy's state.
  virtual PolicyHook* Victim() = 0;

  // Unlinks the victim the owner evicted (ARC remembers it as a ghost).
  // REQUIRES: h == Victim().
  virtual void OnEvict(PolicyHook* h) = 0;

  // Linked entries and their total charge.
  virtual std::size_t size() const = 0;
  virtual std::uint64_t charge() const = 0;
};

// A new policy of `kind` for `capacity` charge units.
// REQUIRES: capacity >= 1.
std::unique_ptr<EvictionPolicy> NewPolicy(PolicyKind kind,
                                          std::uint64_t capacity);

}  // namespace adaptrt::cache

#endif  // ADAPTRT_CACHE_POLICY_POLICY_H_
