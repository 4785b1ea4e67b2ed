#include "cache/stats.h"

#include "absl/strings/str_format.h"

namespace adaptrt::cache {

std::string CacheStats::ToString() const {
  return absl::StrFormat(
      "hits=%d misses=%d hit_ratio=%.4f insertions=%d evictions=%d "
      "expirations=%d erasures=%d replacements=%d rejections=%d bytes=%d entries=%d "
      "capacity=%d",
      hits, misses, hit_ratio(), insertions, evictions, expirations, erasures,
      replacements, rejections, bytes, entries, capacity);
}

}  // namespace adaptrt::cache
