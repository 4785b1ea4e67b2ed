// stats.h: counters a cache reports while traffic runs.
//
// Thread-safety: a CacheStats is a plain value (a snapshot). Cache::Stats()
//                reads relaxed atomic counters shard by shard without stopping
//                traffic, so a snapshot taken under load is approximate: each
//                counter is exact at some instant, not all at the same instant.

#ifndef ADAPTRT_CACHE_STATS_H_
#define ADAPTRT_CACHE_STATS_H_

#include <cstdint>
#include <string>

namespace adaptrt::cache {

struct CacheStats {
  std::uint64_t hits = 0;         // Get/GetOrCompute found a live entry
  std::uint64_t misses = 0;       // Get/GetOrCompute found none (or expired)
  std::uint64_t insertions = 0;   // entries added (Put, overwrite, computed)
  std::uint64_t evictions = 0;    // entries removed by capacity (the policy)
  std::uint64_t expirations = 0;  // entries removed because their TTL passed
  std::uint64_t erasures = 0;     // entries removed by Erase (or by a
                                  // refused Put of their key)
  std::uint64_t replacements = 0; // entries replaced by a Put of their key
  std::uint64_t rejections = 0;   // Puts refused (entry larger than a shard)
  std::uint64_t bytes = 0;        // total charge of resident entries
  std::uint64_t entries = 0;      // resident entries
  std::uint64_t capacity = 0;     // capacity in charge units (bytes)

  // Consistency, exact when traffic is quiescent:
  //   insertions == entries + evictions + expirations + erasures + replacements

  // hits / (hits + misses), 0 when there was no lookup.
  double hit_ratio() const {
    const std::uint64_t lookups = hits + misses;
    return lookups == 0 ? 0.0 : static_cast<double>(hits) / lookups;
  }

  // One line, e.g. "hits=10 misses=2 ... capacity=1048576".
  std::string ToString() const;
};

}  // namespace adaptrt::cache

#endif  // ADAPTRT_CACHE_STATS_H_
