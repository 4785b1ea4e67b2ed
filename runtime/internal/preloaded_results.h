// preloaded_results.h: the analyze job's bulk read of its L3, kept compact: a
// map from a cache key (bytes) to one file's result, filled by one thread and
// then read by many.
//
// Why compact: a warm `adaptrt analyze` is bound by the pages it touches for
// the first time. On the 2-core VM a first touch costs ~12 us (a fault, and
// the hypervisor's shadow page table), more than a 1 KB file's line count
// (docs/analyze.md). The map it replaces, a flat_hash_map<std::string,
// CachedFile>, touched ~2.6 MB for /usr/include's 8.7k files (a heap string
// per key, 120-byte slots); this one keeps every key in one arena, reserved
// up front and touched only as keys are appended, and 48-byte slots
// (~1.3 MB).
//
// Thread-safety: Add is not thread-safe. Find and size() may run on any
//                number of threads once every Add happened-before them
//                (the analyze job joins the filling thread).
// Complexity:    Add and Find: O(key length) expected.
// Ownership:     keys are copied into the arena; Find returns a value.
// Errors:        Add returns false when a limit would be exceeded or the
//                result has no compact form; the caller then treats the
//                preload as incomplete. Never throws (the arena is allocated
//                with std::nothrow; a failed allocation makes every Add
//                return false).

#ifndef ADAPTRT_RUNTIME_INTERNAL_PRELOADED_RESULTS_H_
#define ADAPTRT_RUNTIME_INTERNAL_PRELOADED_RESULTS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "runtime/analyze/file_analyzer.h"

namespace adaptrt::runtime_internal {

class PreloadedResults {
 public:
  // Room for at most `max_entries` entries whose keys total at most
  // `max_key_bytes` (the arena: reserved, not touched). The map's slots are
  // reserved for min(max_entries, 65536) entries and grow beyond.
  PreloadedResults(std::size_t max_entries, std::size_t max_key_bytes);

  PreloadedResults(const PreloadedResults&) = delete;
  PreloadedResults& operator=(const PreloadedResults&) = delete;

  // Maps `key` to `result`; a key added twice keeps its first result (and
  // the second Add returns true). Returns false, adding nothing, when the
  // entry or key-byte limit would be exceeded, a count does not fit 32 bits
  // (blank, comment, code) or the result carries an errno (a transient
  // result, which the analyze job never caches).
  bool Add(std::string_view key, const analyze::FileResult& result);

  // The result added under `key`, or nullopt.
  std::optional<analyze::FileResult> Find(std::string_view key) const;

  std::size_t size() const { return map_.size(); }

 private:
  struct Compact {
    const analyze::LanguageSpec* language;
    std::uint64_t bytes;
    std::uint32_t blank, comment, code;
    std::uint8_t kind, skip_reason;
  };

  const std::size_t max_entries_;
  const std::size_t arena_bytes_;
  const std::unique_ptr<char[]> arena_;  // null when the allocation failed
  std::size_t arena_used_ = 0;
  // Keys view the arena, which never moves.
  absl::flat_hash_map<std::string_view, Compact> map_;
};

}  // namespace adaptrt::runtime_internal

#endif  // ADAPTRT_RUNTIME_INTERNAL_PRELOADED_RESULTS_H_
