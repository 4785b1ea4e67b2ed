// refresh_filter.h: lets a hit skip the shard's read buffer when its entry is
// certainly near the most recent end of an LRU list already (CacheLib's
// MMLru refresh window, counted in promotions instead of seconds), so that
// hot entries are not recorded, drained and moved to the front again and
// again. Under concurrency those moves were the hit path's shared writes:
// each one rewrites list links and the list head that every core's drain
// pulls over; skipping them leaves a hot hit with lines nobody writes.
//
// Counting: the shard's policy lock holder calls Stamp(h) whenever `h`
// becomes the most recent entry (an insert or an applied hit), which bumps a
// promotion counter and stores it in h->spare. In a policy where only
// inserts and hits reorder, and each puts its entry first
// (EvictionPolicy::RecencyOrdered(): LRU), an entry stamped d promotions ago
// has at most d entries ahead of it.
// Publishing: readers see (window, horizon) in one atomic word: horizon
// bounds the promotion counter from above (the holder republishes before
// the counter passes it, every window/4 promotions), window is a quarter of
// the list at most. Skips(h) is horizon - stamp < window, so a skipped
// entry has fewer than `window` entries ahead of it: it is in the front
// quarter of its list (the front eighth unless the list shrank since the
// last publication), and its skipped hit would only have reordered entries
// that are nowhere near eviction. Lists under kMinEntries never skip.
//
// What changes for users: the victim order is exact LRU except that an
// entry hit while in the front of the list keeps its place there instead of
// moving to the very front; it is evicted at most as many promotions early as
// it sat behind the front. Only the buffered (default, approximate) mode
// filters; exact_access_order applies every hit.
//
// Thread-safety: Skips() from any thread at any time (relaxed atomics).
//                Stamp(), Resize() and Enable() under the owner's policy
//                lock only.
// Memory ordering: none needed. The stamp is read with a relaxed atomic_ref
//                load, written with a relaxed atomic_ref store (the policy
//                lock holder races only with readers); neither orders
//                anything. A reader that sees a word k promotions late
//                decides against a bound of window + k: it records a hit it
//                could have skipped, or skips one whose entry has at most k
//                more entries ahead of it (k is a few promotions in practice,
//                the time a store takes to become visible).
// Complexity:    O(1) each, no allocation.
// Wrap-around:   stamps are 32-bit. An entry left untouched for about a
//                multiple of 2^32 promotions of its shard (an hour at a
//                million promotions a second) has its hits skipped during
//                the next `window` promotions, as if it were near the front;
//                if it sits near the back then, it may be evicted that much
//                early. Order only; 64-bit stamps would cost 8 bytes an
//                entry.

#ifndef ADAPTRT_CACHE_INTERNAL_REFRESH_FILTER_H_
#define ADAPTRT_CACHE_INTERNAL_REFRESH_FILTER_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "cache/policy/policy.h"

namespace adaptrt::cache_internal {

class RefreshFilter {
 public:
  // Lists with fewer entries never skip a hit.
  static constexpr std::size_t kMinEntries = 256;

  // A filter that never skips until Enable(true).
  RefreshFilter() = default;
  RefreshFilter(const RefreshFilter&) = delete;
  RefreshFilter& operator=(const RefreshFilter&) = delete;

  // True when recording a hit on `h` can be skipped. REQUIRES: `h` resident
  // (the caller holds the shard's reader hold and found it in the index).
  bool Skips(cache::PolicyHook& h) const {
    const std::uint64_t word = published_.load(std::memory_order_relaxed);
    const auto window = static_cast<std::uint32_t>(word >> 32);
    const auto horizon = static_cast<std::uint32_t>(word);
    const std::uint32_t stamp =
        std::atomic_ref<std::uint32_t>(h.spare).load(std::memory_order_relaxed);
    return static_cast<std::uint32_t>(horizon - stamp) < window;
  }

  // `h` just became the most recent of `entries` linked entries (inserted or
  // moved to the front). REQUIRES: policy lock held; enabled or not (a
  // disabled filter only stamps).
  void Stamp(cache::PolicyHook& h, std::size_t entries) {
    ++promotions_;
    std::atomic_ref<std::uint32_t>(h.spare).store(promotions_,
                                                  std::memory_order_relaxed);
    if (--until_publish_ == 0) Publish(entries);
  }

  // The list now holds `entries` (after removals or a capacity change):
  // republishes when the published window exceeds twice what `entries`
  // calls for, so that skipped entries stay in the front quarter.
  // REQUIRES: policy lock held.
  void Resize(std::size_t entries) {
    if (window_ > 2 * WindowFor(entries)) Publish(entries);
  }

  // Enables the filter for a RecencyOrdered policy whose list is still
  // empty; a disabled filter never skips. REQUIRES: no concurrent use.
  void Enable(bool enabled) {
    enabled_ = enabled;
    Publish(0);
  }

 private:
  // A recheck interval for a filter whose window is 0 (small list), so that
  // a list that grew past kMinEntries starts skipping.
  static constexpr std::uint32_t kRecheckPromotions = 64;

  std::uint32_t WindowFor(std::size_t entries) const {
    if (!enabled_ || entries < kMinEntries) return 0;
    return static_cast<std::uint32_t>(
        std::min<std::size_t>(entries / 8, std::uint32_t{1} << 30));
  }

  // A countdown of 0 would wrap and freeze the horizon: lag must be >= 1
  // whenever the window is not 0.
  static_assert(kMinEntries / 8 / 4 >= 1, "lag would be 0 for small lists");

  void Publish(std::size_t entries) {
    window_ = WindowFor(entries);
    const std::uint32_t lag = window_ / 4;  // >= 8 when window_ > 0
    const std::uint32_t horizon = promotions_ + lag;
    published_.store((std::uint64_t{window_} << 32) | horizon,
                     std::memory_order_relaxed);
    until_publish_ = window_ == 0 ? kRecheckPromotions : lag;
  }

  // (window << 32) | horizon; written by the policy lock holder, read by
  // every hit of the shard, so written rarely (every window/4 promotions).
  // The counters below, written at every promotion, start a line of their
  // own, so this word's line changes only when it is republished.
  std::atomic<std::uint64_t> published_{0};
  // Guarded by the policy lock.
  alignas(64) std::uint32_t promotions_ = 0;
  std::uint32_t until_publish_ = kRecheckPromotions;
  std::uint32_t window_ = 0;
  bool enabled_ = false;
};

}  // namespace adaptrt::cache_internal

#endif  // ADAPTRT_CACHE_INTERNAL_REFRESH_FILTER_H_
