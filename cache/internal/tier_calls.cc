// tier_calls.cc: the in-flight call registry (contract in the header).
// Invariant (under mu_): active_ holds exactly the tickets entered and not yet
// exited; every ticket in active_ is <= last_. Tickets are unique, so a
// std::set suffices. All state is under mu_; no atomics.

#include "cache/internal/tier_calls.h"

namespace adaptrt::cache_internal {

TierCalls::Ticket TierCalls::Enter() {
  std::lock_guard<std::mutex> lock(mu_);
  const Ticket t = ++last_;
  active_.insert(active_.end(), t);  // Tickets increase: O(1) amortized hint.
  return t;
}

void TierCalls::Exit(Ticket ticket) {
  std::lock_guard<std::mutex> lock(mu_);
  active_.erase(ticket);
}

TierCalls::Ticket TierCalls::MinActive() const {
  std::lock_guard<std::mutex> lock(mu_);
  return active_.empty() ? last_ + 1 : *active_.begin();
}

TierCalls::Ticket TierCalls::LastTicket() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_;
}

}  // namespace adaptrt::cache_internal
