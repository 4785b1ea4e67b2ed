// arc.h: the Adaptive Replacement Cache policy, exactly as Megiddo & Modha,
// "ARC: A Self-Tuning, Low Overhead Replacement Cache" (FAST'03, Fig. 4)
// describe it, with sizes counted in charge units (with charge 1 per entry it
// is the paper's algorithm page for page).
//
// T1 (resident, seen once recently) and T2 (resident, seen at least twice)
// are intrusive lists of the owner's hooks; B1 and B2 are ghost lists of
// evicted keys' 64-bit hashes (and charges). The target size of T1, p, is a
// double: a B1 hit adds max(|B2|/|B1|, 1) (times the entry's charge), a B2
// hit subtracts max(|B1|/|B2|, 1); REPLACE evicts T1's LRU into B1 when
// |T1| > p, or |T1| = p and the request was a B2 hit, else T2's LRU into B2.
// The directory keeps |T1| + |B1| <= c and |T1| + |T2| + |B1| + |B2| <= 2c
// (Case IV), trimmed in PrepareInsert before the owner evicts.
//
// Ghost bound (memory): B1 + B2 hold at most c charge units and at most one
// ghost more than the resident entries; the textbook algorithm never exceeds
// either bound (the cache is full whenever ghosts exist, and |B1|+|B2| <= c),
// so they only bite after erases or a shrink. A ghost costs 32 bytes in the
// pool plus ~9-18 bytes in its hash index. Ghosts are identified by hash: a
// 64-bit collision can only mis-steer adaptation, never a lookup.
//
// Thread-safety: not thread-safe (see policy.h). Complexity: O(1) expected.
// Allocation: the ghost pool and its index grow (geometrically) only when the
// ghost count passes its previous high-water mark, in OnEvict; Reserve(n)
// pre-sizes both for n resident entries. OnAccess and Victim never allocate.

#ifndef ADAPTRT_CACHE_POLICY_ARC_H_
#define ADAPTRT_CACHE_POLICY_ARC_H_

#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "cache/policy/intrusive_list.h"
#include "cache/policy/policy.h"

namespace adaptrt::cache {

class ArcPolicy final : public EvictionPolicy {
 public:
  explicit ArcPolicy(std::uint64_t capacity);

  std::string_view name() const override { return "arc"; }
  void SetCapacity(std::uint64_t capacity) override;
  std::uint64_t capacity() const override { return capacity_; }
  void Reserve(std::size_t entries) override;
  void PrepareInsert(PolicyHook* h) override;
  void OnInsert(PolicyHook* h) override;
  void OnAccess(PolicyHook* h) override;
  void OnErase(PolicyHook* h) override;
  PolicyHook* Victim() override;
  void OnEvict(PolicyHook* h) override;
  std::size_t size() const override { return t1_.size() + t2_.size(); }
  std::uint64_t charge() const override { return t1_.charge() + t2_.charge(); }

  // Introspection for tests and docs (charge units).
  double p() const { return p_; }
  std::uint64_t t1() const { return t1_.charge(); }
  std::uint64_t t2() const { return t2_.charge(); }
  std::uint64_t b1() const { return ghosts_[kB1].charge; }
  std::uint64_t b2() const { return ghosts_[kB2].charge; }
  std::size_t ghost_count() const { return ghost_index_.size(); }
  // Which list a linked hook is in: 1 (T1) or 2 (T2).
  static int ListOf(const PolicyHook* h) { return static_cast<int>(h->tag); }
  // Whether `hash` is remembered in B1 (1), B2 (2) or not (0).
  int GhostListOf(std::uint64_t hash) const;

 private:
  static constexpr std::uint32_t kT1 = 1, kT2 = 2;
  static constexpr int kB1 = 0, kB2 = 1;
  static constexpr std::uint32_t kNone = ~std::uint32_t{0};

  struct Ghost {
    std::uint64_t hash = 0;
    std::uint64_t charge = 0;
    std::uint32_t prev = kNone;  // toward MRU
    std::uint32_t next = kNone;  // toward LRU; free-list link when free
    int list = -1;
  };
  struct GhostList {
    std::uint32_t mru = kNone;
    std::uint32_t lru = kNone;
    std::uint64_t charge = 0;
  };

  void AddGhost(int list, std::uint64_t hash, std::uint64_t charge);
  void RemoveGhost(std::uint32_t g);
  void DropLruGhost(int list);
  void TrimGhosts();
  std::uint64_t directory() const {
    return t1_.charge() + t2_.charge() + b1() + b2();
  }

  std::uint64_t capacity_;
  double p_ = 0.0;
  cache_internal::HookList t1_, t2_;
  GhostList ghosts_[2];
  std::vector<Ghost> pool_;
  std::uint32_t free_ = kNone;
  absl::flat_hash_map<std::uint64_t, std::uint32_t> ghost_index_;

  // Set by PrepareInsert for the victims and OnInsert that follow.
  bool pending_ = false;
  std::uint32_t pending_list_ = kT1;  // where the new entry goes
  bool pending_b2_hit_ = false;       // REPLACE's "x in B2"
  bool pending_t1_no_ghost_ = false;  // Case IV.A, |T1| = c: drop T1's LRU
};

}  // namespace adaptrt::cache

#endif  // ADAPTRT_CACHE_POLICY_ARC_H_
