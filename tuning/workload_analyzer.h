// workload_analyzer.h: what kind of work and what kind of key stream.
//
// From executor samples: CPU-bound, I/O-bound or mixed, from the tasks' CPU
// time against their wall time (blocking ratio = 1 - cpu / wall). From a
// stream of cache keys: hot keys (Space-Saving top-k, Metwally et al. 2005),
// the working-set size (distinct keys, estimated from a SHARDS sample), and
// the reuse pattern read off the LRU miss-ratio curve (looping: a cliff;
// scanning: few reuses; recency-friendly: most hits at small sizes). The
// report ends with short recommendations that carry their numbers.
//
// Thread-safety: not thread-safe (one owner feeds and reports).
// Complexity:    AddKey O(log k + log s) (Space-Saving, SHARDS); Report
//                O(k + curve points).
// Ownership:     values only.
// Errors:        none; empty inputs give an "unknown" classification.

#ifndef ADAPTRT_TUNING_WORKLOAD_ANALYZER_H_
#define ADAPTRT_TUNING_WORKLOAD_ANALYZER_H_

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/types/span.h"
#include "tuning/knobs.h"
#include "tuning/mrc.h"
#include "tuning/worker_optimizer.h"

namespace adaptrt::tuning {

struct ExecutionClassification {
  bool known = false;       // false until some task time was seen
  TaskType type = TaskType::kMixed;
  double blocking_ratio = 0;  // 1 - cpu / wall, in [0, 1]
  std::string explanation;
};

struct ClassifierOptions {
  // CPU-bound when the blocking ratio is below this; I/O-bound above
  // io_bound_above; mixed in between.
  double cpu_bound_below = 0.2;
  double io_bound_above = 0.6;
};

ExecutionClassification ClassifyExecution(double task_cpu_seconds, double task_wall_seconds,
                                          const ClassifierOptions& options = {});

// Space-Saving: the k most frequent keys with counts that overestimate by at
// most `error` (the count of the counter a key took over).
class SpaceSaving {
 public:
  struct Entry {
    uint64_t key = 0;
    uint64_t count = 0;
    uint64_t error = 0;
  };
  explicit SpaceSaving(size_t capacity);
  void Add(uint64_t key, uint64_t weight = 1);
  // The top `n` by count, highest first.
  std::vector<Entry> Top(size_t n) const;
  uint64_t total() const { return total_; }

 private:
  size_t capacity_;
  uint64_t total_ = 0;
  absl::flat_hash_map<uint64_t, Entry> entries_;
  std::set<std::pair<uint64_t, uint64_t>> by_count_;  // (count, key)
};

enum class ReusePattern { kUnknown, kRecencyFriendly, kLooping, kScanning, kIrregular };
const char* ReusePatternName(ReusePattern pattern);

struct KeyStreamReport {
  uint64_t accesses = 0;
  std::vector<SpaceSaving::Entry> hot_keys;  // highest first
  double hot_share = 0;          // share of accesses taken by hot_keys
  double working_set_keys = 0;   // estimated distinct keys
  double max_hit_ratio = 0;      // LRU's hit ratio with unbounded capacity
  ReusePattern pattern = ReusePattern::kUnknown;
  double loop_keys = 0;          // looping: the loop's size in keys
  double keys_for_half_hits = 0; // capacity reaching half of max_hit_ratio
  std::string pattern_explanation;
  MissRatioCurve lru_curve;
};

// Fixed at construction.
struct WorkloadAnalyzerOptions {
  ClassifierOptions classifier;
  size_t top_k = 16;            // hot keys tracked (Space-Saving counters)
  size_t hot_keys_reported = 5;
  ShardsOptions shards = {0.1, 16384, true, 0x5eed};  // fixed-size sample
  uint64_t entry_bytes = 0;     // mean entry size for byte figures (0: none)
};

struct WorkloadReport {
  ExecutionClassification execution;
  KeyStreamReport keys;
  std::vector<std::string> recommendations;
};

class WorkloadAnalyzer {
 public:
  explicit WorkloadAnalyzer(const WorkloadAnalyzerOptions& options = {});

  void AddExecution(const ExecutorSample& sample);
  void AddKey(uint64_t key);
  void AddKeys(absl::Span<const uint64_t> keys);

  // `cpus`: effective CPUs, for the worker recommendation.
  WorkloadReport Report(double cpus) const;

 private:
  WorkloadAnalyzerOptions options_;
  double task_cpu_seconds_ = 0;
  double task_wall_seconds_ = 0;
  SpaceSaving hot_;
  Shards shards_;
};

// The key-stream part of the report, from a curve and counts (exposed for
// tests and for the cache tuner).
ReusePattern ClassifyReuse(const MissRatioCurve& curve, double working_set_keys,
                           double* loop_keys, double* keys_for_half_hits,
                           std::string* explanation);

}  // namespace adaptrt::tuning

#endif  // ADAPTRT_TUNING_WORKLOAD_ANALYZER_H_
