// options.h: how a Cache<K, V> is configured.
//
// Every field has a default and says whether it may change at run time (only
// the capacity may, through Cache::SetCapacity).
//
// Thread-safety: a plain value; the cache copies it at construction. A Clock
//                and the callbacks are called concurrently from any thread
//                using the cache, so they must be thread-safe.

#ifndef ADAPTRT_CACHE_OPTIONS_H_
#define ADAPTRT_CACHE_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "absl/time/time.h"
#include "cache/policy/policy.h"

namespace adaptrt::cache {

// A monotonic time source, injected in tests to drive TTL expiry.
class Clock {
 public:
  virtual ~Clock() = default;
  // Nanoseconds since an arbitrary fixed origin; never decreases.
  virtual std::int64_t NowNanos() const = 0;
  // std::chrono::steady_clock. Never null; lives forever.
  static const Clock* Steady();
};

template <typename K, typename V>
struct CacheOptions {
  // Total capacity in charge units (bytes with the default weigher). Total
  // charge of resident entries never exceeds it. Must be >= 1.
  // Changes at run time through Cache::SetCapacity.
  std::size_t capacity = std::size_t{64} << 20;

  // Eviction policy of every shard. Fixed at construction.
  PolicyKind policy = PolicyKind::kLru;

  // log2 of the shard count; -1 picks it from the capacity (as RocksDB does:
  // up to 64 shards, each at least 512 KiB). 0 means one shard. At most 16.
  // The capacity is split evenly, so one entry may charge at most
  // capacity / shards. Fixed at construction.
  int shard_bits = -1;

  // false (default): a hit records the access in the shard's lossy read
  // buffer under the shared lock; buffers are applied to the policy in
  // batches by whoever wins a try-lock; with LRU, a hit on an entry
  // certainly in the front of its shard's list (an eighth of it, a quarter
  // after a shrink; never in shards under 256 entries) is counted but not
  // recorded (cache/internal/refresh_filter.h). Order is approximate, reads
  // scale.
  // true: every hit takes the shard's exclusive lock and is applied to the
  // policy at once, in order. Exact (the trace replayer uses it with one
  // shard); hits serialize. Fixed at construction.
  bool exact_access_order = false;

  // The charge of an entry. Null (default): key bytes + value bytes (see
  // DefaultByteSize in cache.h, heap bytes of strings included) + the cache's
  // own per-entry overhead (Cache<K, V>::kEntryOverheadBytes). A weigher must
  // return >= 1; 0 is counted as 1. Fixed at construction.
  std::function<std::size_t(const K& key, const V& value)> weigher;

  // Called for each entry evicted by capacity (never on Erase, overwrite or
  // expiry), after the shard's lock is released: it may call into this or
  // other caches. Called on the thread whose operation caused the eviction
  // (Put, GetOrCompute, SetCapacity). Null (default): none. Fixed.
  std::function<void(const K& key, const std::shared_ptr<const V>& value,
                     std::size_t charge)>
      eviction_listener;

  // Like eviction_listener (same calls, same rules; both run if both are
  // set), plus the victim's remaining time-to-live: InfiniteDuration() for an
  // entry without TTL, <= 0 for one that had expired but was not yet
  // removed. Lets a listener that moves victims elsewhere (a lower tier) keep
  // their expiry. Null (default): none. Fixed.
  std::function<void(const K& key, const std::shared_ptr<const V>& value,
                     std::size_t charge, absl::Duration remaining_ttl)>
      eviction_listener_with_ttl;

  // Time-to-live of entries put without an explicit TTL. Infinite (default):
  // they never expire. Fixed at construction.
  absl::Duration default_ttl = absl::InfiniteDuration();

  // Time source for TTLs. Null (default): Clock::Steady(). Must outlive the
  // cache. Fixed at construction.
  const Clock* clock = nullptr;
};

}  // namespace adaptrt::cache

#endif  // ADAPTRT_CACHE_OPTIONS_H_
