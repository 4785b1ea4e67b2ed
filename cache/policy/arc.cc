// ARC (Megiddo & Modha, FAST'03, Fig. 4) over intrusive hooks.
//
// Mapping of the paper's cases onto the policy protocol (policy.h):
//   Case I   (hit in T1 or T2)  -> OnAccess: move to T2's MRU end.
//   Case II  (x in B1)          -> PrepareInsert: p = min(p + d1*w, c),
//            d1 = max(|B2|/|B1|, 1); the owner then REPLACEs through
//            Victim()/OnEvict() as long as x does not fit; OnInsert puts x
//            at T2's MRU end.
//   Case III (x in B2)          -> same with p = max(p - d2*w, 0),
//            d2 = max(|B1|/|B2|, 1), and REPLACE's "x in B2" set.
//   Case IV  (x nowhere)        -> PrepareInsert trims the directory:
//            A: |T1| + |B1| + w > c: drop B1's LRU ghosts until it fits; if
//               B1 is (then) empty and |T1| + w > c, the victims come from
//               T1 without becoming ghosts (the paper's "delete LRU page in
//               T1 and remove it from the cache").
//            B: otherwise drop B2's LRU ghosts while the directory + w > 2c.
//            The owner's REPLACEs follow; OnInsert puts x at T1's MRU end.
// The paper calls REPLACE only when the cache is full, which is exactly when
// the owner asks for a victim (charge 1: the new page does not fit).
// Invariants: hook.tag is kT1 or kT2 for linked hooks; every ghost is in
// ghost_index_ and in exactly one ghost list; 0 <= p <= c.

#include "cache/policy/arc.h"

#include <algorithm>
#include <cassert>

namespace adaptrt::cache {

ArcPolicy::ArcPolicy(std::uint64_t capacity) : capacity_(capacity) {}

void ArcPolicy::Reserve(std::size_t entries) {
  if (pool_.capacity() < entries + 1) pool_.reserve(entries + 1);
  ghost_index_.reserve(entries + 1);
}

int ArcPolicy::GhostListOf(std::uint64_t hash) const {
  auto it = ghost_index_.find(hash);
  return it == ghost_index_.end() ? 0 : pool_[it->second].list + 1;
}

void ArcPolicy::SetCapacity(std::uint64_t capacity) {
  capacity_ = capacity;
  p_ = std::min(p_, static_cast<double>(capacity_));
  TrimGhosts();
}

void ArcPolicy::PrepareInsert(PolicyHook* h) {
  const std::uint64_t w = h->charge;
  const double c = static_cast<double>(capacity_);
  pending_ = true;
  pending_b2_hit_ = false;
  pending_t1_no_ghost_ = false;
  auto it = ghost_index_.find(h->hash);
  if (it != ghost_index_.end()) {
    const std::uint32_t g = it->second;
    const double b1 = static_cast<double>(this->b1());
    const double b2 = static_cast<double>(this->b2());
    if (pool_[g].list == kB1) {  // Case II
      const double delta = b1 >= b2 ? 1.0 : b2 / b1;
      p_ = std::min(p_ + delta * static_cast<double>(w), c);
    } else {  // Case III
      const double delta = b2 >= b1 ? 1.0 : b1 / b2;
      p_ = std::max(p_ - delta * static_cast<double>(w), 0.0);
      pending_b2_hit_ = true;
    }
    RemoveGhost(g);
    pending_list_ = kT2;
    return;
  }
  pending_list_ = kT1;  // Case IV
  if (t1_.charge() + b1() + w > capacity_) {  // A: L1 is full
    while (t1_.charge() + b1() + w > capacity_ && ghosts_[kB1].lru != kNone) {
      DropLruGhost(kB1);
    }
    if (t1_.charge() + b1() + w > capacity_) pending_t1_no_ghost_ = true;
  } else {  // B
    while (directory() + w > 2 * capacity_ && ghosts_[kB2].lru != kNone) {
      DropLruGhost(kB2);
    }
  }
}

void ArcPolicy::OnInsert(PolicyHook* h) {
  assert(pending_ && "PrepareInsert must precede OnInsert");
  h->tag = pending_list_;
  (pending_list_ == kT1 ? t1_ : t2_).PushFront(h);
  pending_ = false;
  pending_b2_hit_ = false;
  pending_t1_no_ghost_ = false;
}

void ArcPolicy::OnAccess(PolicyHook* h) {
  if (h->tag == kT1) {
    t1_.Remove(h);
    t2_.PushFront(h);
    h->tag = kT2;
  } else {
    t2_.MoveToFront(h);
  }
}

void ArcPolicy::OnErase(PolicyHook* h) {
  (h->tag == kT1 ? t1_ : t2_).Remove(h);
  TrimGhosts();
}

PolicyHook* ArcPolicy::Victim() {
  if (t1_.empty()) return t2_.Back();
  if (t2_.empty() || pending_t1_no_ghost_) return t1_.Back();
  // REPLACE(x, p).
  const double t1 = static_cast<double>(t1_.charge());
  if (t1 > p_ || (pending_b2_hit_ && t1 == p_)) return t1_.Back();
  return t2_.Back();
}

void ArcPolicy::OnEvict(PolicyHook* h) {
  if (h->tag == kT1) {
    t1_.Remove(h);
    if (!pending_t1_no_ghost_) AddGhost(kB1, h->hash, h->charge);
  } else {
    t2_.Remove(h);
    AddGhost(kB2, h->hash, h->charge);
  }
  TrimGhosts();
}

void ArcPolicy::AddGhost(int list, std::uint64_t hash, std::uint64_t charge) {
  if (auto it = ghost_index_.find(hash); it != ghost_index_.end()) {
    RemoveGhost(it->second);  // a hash collision: keep the newest
  }
  std::uint32_t g;
  if (free_ != kNone) {
    g = free_;
    free_ = pool_[g].next;
  } else {
    g = static_cast<std::uint32_t>(pool_.size());
    pool_.emplace_back();
  }
  Ghost& ghost = pool_[g];
  GhostList& l = ghosts_[list];
  ghost.hash = hash;
  ghost.charge = charge;
  ghost.list = list;
  ghost.prev = kNone;
  ghost.next = l.mru;
  if (l.mru != kNone) pool_[l.mru].prev = g;
  l.mru = g;
  if (l.lru == kNone) l.lru = g;
  l.charge += charge;
  ghost_index_.emplace(hash, g);
}

void ArcPolicy::RemoveGhost(std::uint32_t g) {
  Ghost& ghost = pool_[g];
  GhostList& l = ghosts_[ghost.list];
  if (ghost.prev != kNone) {
    pool_[ghost.prev].next = ghost.next;
  } else {
    l.mru = ghost.next;
  }
  if (ghost.next != kNone) {
    pool_[ghost.next].prev = ghost.prev;
  } else {
    l.lru = ghost.prev;
  }
  l.charge -= ghost.charge;
  ghost_index_.erase(ghost.hash);
  ghost.list = -1;
  ghost.prev = kNone;
  ghost.next = free_;
  free_ = g;
}

void ArcPolicy::DropLruGhost(int list) {
  assert(ghosts_[list].lru != kNone);
  RemoveGhost(ghosts_[list].lru);
}

void ArcPolicy::TrimGhosts() {
  // Hard bounds (never reached by the textbook algorithm, see arc.h).
  auto longer = [this] {
    if (ghosts_[kB1].lru == kNone) return kB2;
    if (ghosts_[kB2].lru == kNone) return kB1;
    return b1() >= b2() ? kB1 : kB2;
  };
  while (!ghost_index_.empty() &&
         (b1() + b2() > capacity_ || ghost_index_.size() > size() + 1)) {
    DropLruGhost(longer());
  }
  while (t1_.charge() + b1() > capacity_ && ghosts_[kB1].lru != kNone) {
    DropLruGhost(kB1);
  }
  while (directory() > 2 * capacity_ && ghosts_[kB2].lru != kNone) {
    DropLruGhost(kB2);
  }
}

}  // namespace adaptrt::cache
