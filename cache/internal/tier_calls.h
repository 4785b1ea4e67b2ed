// tier_calls.h: a registry of in-flight calls that may evict from L1, used by
// TieredCache to know when a per-key write record can be forgotten.
//
// An L1 victim leaves L1 inside some call (Put, promotion, SetCapacity) and is
// demoted to L2 by the eviction listener later in that same call. A write or
// erase of the victim's key that lands in between must win over the victim.
// TieredCache records each write with the ticket of the newest call started
// by then (LastTicket()); such a record can be dropped once every call with
// a ticket <= it has finished (MinActive() > ticket): no victim that predates
// the write can still be in flight.
//
// Thread-safety: thread-safe (one std::mutex, a leaf lock).
// Complexity:    Enter/Exit O(log active calls); MinActive/LastTicket O(1).
// Ownership:     plain value type, owned by its TieredCache.
// Errors:        none.

#ifndef ADAPTRT_CACHE_INTERNAL_TIER_CALLS_H_
#define ADAPTRT_CACHE_INTERNAL_TIER_CALLS_H_

#include <cstdint>
#include <mutex>
#include <set>

#include "absl/base/thread_annotations.h"

namespace adaptrt::cache_internal {

class TierCalls {
 public:
  using Ticket = std::uint64_t;

  // Registers a new call and returns its ticket (increasing, from 1).
  Ticket Enter();
  // Unregisters the call with this ticket.
  void Exit(Ticket ticket);
  // The smallest ticket still active, or LastTicket() + 1 if none is.
  Ticket MinActive() const;
  // The newest ticket handed out (0 before the first Enter).
  Ticket LastTicket() const;

  // RAII: Enter on construction, Exit on destruction.
  class Scope {
   public:
    explicit Scope(TierCalls& calls) : calls_(calls), ticket_(calls.Enter()) {}
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    ~Scope() { calls_.Exit(ticket_); }
    Ticket ticket() const { return ticket_; }

   private:
    TierCalls& calls_;
    const Ticket ticket_;
  };

 private:
  mutable std::mutex mu_;
  Ticket last_ ABSL_GUARDED_BY(mu_) = 0;
  std::set<Ticket> active_ ABSL_GUARDED_BY(mu_);
};

}  // namespace adaptrt::cache_internal

#endif  // ADAPTRT_CACHE_INTERNAL_TIER_CALLS_H_
