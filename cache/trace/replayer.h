// replayer.h: replays a trace through the production Cache<K, V> and counts
// hits, to compare policies with published hit ratios.
//
// Semantics (those of the published tables, ../shared/traces/README.md):
// cold start, one shard, every access applied to the policy in order
// (CacheOptions::exact_access_order), every request counted, insert on every
// miss. Without `bytes` each entry is charged 1 and the capacity counts
// entries; with `bytes` each request is charged its object size (oracle
// traces) and an object larger than the cache is not admitted.
//
// Thread-safety: Replay is thread-safe (each call builds its own cache).
// Complexity: O(requests) expected.
// Errors: InvalidArgument for capacity 0, or `bytes` on a trace without sizes.

#ifndef ADAPTRT_CACHE_TRACE_REPLAYER_H_
#define ADAPTRT_CACHE_TRACE_REPLAYER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cache/policy/policy.h"
#include "cache/trace/trace_reader.h"

namespace adaptrt::cache_trace {

struct ReplayResult {
  cache::PolicyKind policy = cache::PolicyKind::kLru;
  std::uint64_t capacity = 0;
  std::uint64_t requests = 0;
  std::uint64_t hits = 0;
  // Percent, 0..100.
  double hit_ratio_percent() const {
    return requests == 0 ? 0.0 : 100.0 * static_cast<double>(hits) /
                                     static_cast<double>(requests);
  }
};

absl::StatusOr<ReplayResult> Replay(const Trace& trace,
                                    cache::PolicyKind policy,
                                    std::uint64_t capacity, bool bytes);

// "policy\tcapacity\trequests\thits\thit_ratio\n".
std::string ReplayTsvHeader();
// One TSV row, hit ratio in percent with 4 decimals, newline-terminated.
std::string ReplayTsvRow(const ReplayResult& result);

}  // namespace adaptrt::cache_trace

#endif  // ADAPTRT_CACHE_TRACE_REPLAYER_H_
