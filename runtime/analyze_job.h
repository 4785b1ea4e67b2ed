// analyze_job.h: the `adaptrt analyze` job. Walks a tree (runtime/analyze
// tree walker), counts the files in parallel on a Runtime's executor
// (ParallelFor over the walked files, the auto-tuner running), and caches
// each file's result in the runtime's "analyze" tiered cache keyed by
// (path, size, mtime, inode, device), persistent in L3, so an unchanged
// file is never read again and a changed one is recounted.
//
// Thread-safety: RunAnalysis may be called concurrently on one Runtime (the
//                cache is shared; counters are per call).
// Complexity:    O(files + bytes of files not served from the cache).
// Ownership:     the Runtime is borrowed for the call.
// Errors:        a root that cannot be walked returns the walker's status
//                (NotFound, PermissionDenied, ...); every problem under the
//                root is counted in the result, never an error. Cache
//                failures (L3 unavailable) only cost speed: the result
//                reports them in cache_note.

#ifndef ADAPTRT_RUNTIME_ANALYZE_JOB_H_
#define ADAPTRT_RUNTIME_ANALYZE_JOB_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "cache/tiered_cache.h"
#include "runtime/analyze/report.h"
#include "runtime/analyze/tree_walker.h"
#include "runtime/runtime.h"

namespace adaptrt {

struct AnalyzeOptions {
  // Serve and store per-file results in the runtime's "analyze" cache.
  bool use_cache = true;
  // Keep that cache in L3 under Runtime::cache_directory()/analyze.
  bool persistent = true;
  // Files per task; 0 (default) lets ParallelFor split (8 leaves per worker).
  int grain = 0;
  // When set, incremented once per file processed (for a progress bar).
  std::atomic<std::int64_t>* progress = nullptr;
  // Called once the walk is done, with the number of files to process.
  std::function<void(std::int64_t files)> on_walked;
};

struct AnalyzeResult {
  analyze::Report report;
  analyze::WalkReport walk;
  double walk_seconds = 0;   // from the start until the walk ended
  // How long opening the cache took, on its own thread beside the walk
  // (L3: the RocksDB open, the validating scan and the bulk read); counting
  // starts when both are done, at max(walk_seconds, cache_open_seconds).
  double cache_open_seconds = 0;
  double wall_seconds = 0;   // start to end: walk, cache open, counting
  std::int64_t files = 0;    // files processed (walked and not skipped by size)
  std::uint64_t bytes = 0;   // their sizes
  std::int64_t from_cache = 0;  // served from the cache
  std::int64_t counted = 0;     // read and counted this run
  int workers_start = 0;     // executor workers when the job started
  int workers_end = 0;       // ... and when it ended (the tuner may resize)
  // This run's cache counters (deltas), when the cache was used.
  cache::TieredStats cache;
  bool cache_used = false;
  std::string cache_note;    // e.g. why L3 is not available
};

// With `rt`: the parallel, cached job. With rt == nullptr: the baseline,
// single-threaded on the calling thread, no cache.
absl::StatusOr<AnalyzeResult> RunAnalysis(Runtime* rt, const std::string& root,
                                          const AnalyzeOptions& options = {});

// Hit rate of one tier in `stats`: hits / (hits + misses), 0 when unused.
double TierHitRate(const cache::TierStats& stats);

}  // namespace adaptrt

#endif  // ADAPTRT_RUNTIME_ANALYZE_JOB_H_
