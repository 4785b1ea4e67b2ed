// The replayer drives Cache<uint64_t, uint32_t> (the value is the object's
// charge) with one shard and exact access order: Get, and Put on a miss.
// Nothing here simulates a policy: the numbers are the production cache's.

#include "cache/trace/replayer.h"

#include <cstddef>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cache/cache.h"

namespace adaptrt::cache_trace {

absl::StatusOr<ReplayResult> Replay(const Trace& trace,
                                    cache::PolicyKind policy,
                                    std::uint64_t capacity, bool bytes) {
  if (bytes && trace.sizes.size() != trace.keys.size()) {
    return absl::InvalidArgumentError(
        "--bytes needs object sizes: only oracle traces carry them");
  }
  using ReplayCache = cache::Cache<std::uint64_t, std::uint32_t>;
  ReplayCache::Options options;
  options.capacity = capacity;
  options.policy = policy;
  options.shard_bits = 0;
  options.exact_access_order = true;
  if (bytes) {
    options.weigher = [](const std::uint64_t&, const std::uint32_t& size) {
      return static_cast<std::size_t>(size);
    };
  } else {
    options.weigher = [](const std::uint64_t&, const std::uint32_t&) {
      return std::size_t{1};
    };
  }
  absl::StatusOr<std::unique_ptr<ReplayCache>> created =
      ReplayCache::Create(std::move(options));
  if (!created.ok()) return created.status();
  ReplayCache& cache = **created;

  ReplayResult result;
  result.policy = policy;
  result.capacity = capacity;
  const std::size_t n = trace.keys.size();
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t key = trace.keys[i];
    if (cache.Get(key) != nullptr) {
      ++result.hits;
    } else {
      // A refused Put (object larger than the cache) is libCacheSim's
      // "not admitted": the request stays a miss.
      (void)cache.Put(key, bytes ? trace.sizes[i] : 1u);
    }
  }
  result.requests = n;
  return result;
}

std::string ReplayTsvHeader() {
  return "policy\tcapacity\trequests\thits\thit_ratio\n";
}

std::string ReplayTsvRow(const ReplayResult& result) {
  return absl::StrFormat("%s\t%d\t%d\t%d\t%.4f\n",
                         std::string(cache::PolicyKindName(result.policy)),
                         result.capacity, result.requests, result.hits,
                         result.hit_ratio_percent());
}

}  // namespace adaptrt::cache_trace
