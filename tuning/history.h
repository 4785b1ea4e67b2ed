// history.h: what worked before, keyed by a workload signature, so the next
// run starts from the best known setting.
//
// File: $XDG_CACHE_HOME/adaptrt/history.tsv (fallback ~/.cache/adaptrt/),
// a magic first line "adaptrt-history 1" then one tab-separated record per
// signature: signature, workers, l1, l2, l3 bytes, score, hit rate, unix
// time. Written atomically (temporary file, fsync, rename). A corrupt or
// foreign file is reported through the warning and ignored, never fatal.
//
// Several processes may share the file: Save holds an exclusive flock on
// the file's directory while it re-reads the file, merges its records in (per
// signature the better score wins, as Record does), writes and renames, so
// concurrent writers lose no record and never see a half-written file. A
// writer killed mid-Save leaves the old file intact and a temporary file
// behind, which the next Save removes (under the lock, any temporary file is
// an orphan).
//
// Thread-safety: an object is not thread-safe (the auto-tuner owns one under
//                its lock); Load and Save of one path from many threads or
//                processes are safe.
// Complexity:    Load/Save linear in the records; Best/Record O(1) expected.
// Ownership:     values only.
// Errors:        Save returns the file system's error; Load never fails.

#ifndef ADAPTRT_TUNING_HISTORY_H_
#define ADAPTRT_TUNING_HISTORY_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "tuning/cache_tuner.h"
#include "tuning/worker_optimizer.h"
#include "tuning/workload_analyzer.h"

namespace adaptrt::tuning {

struct HistoryRecord {
  std::string signature;
  int workers = 0;     // 0: unknown
  TierSizes tiers;     // all zero: unknown
  double score = 0;    // the objective measured at this setting (higher is better)
  double hit_rate = 0;
  int64_t unix_seconds = 0;
};

// A short, stable description of a workload: its task type, reuse pattern
// and working set rounded to a power of two, e.g. "io-bound/looping/ws2^16".
std::string WorkloadSignature(TaskType type, ReusePattern pattern, double working_set_keys);

class History {
 public:
  // $XDG_CACHE_HOME/adaptrt/history.tsv, else $HOME/.cache/adaptrt/history.tsv,
  // else a relative .cache/adaptrt/history.tsv.
  static std::string DefaultPath();

  // Reads `path`. A missing file is an empty history; a corrupt or foreign
  // one is an empty history and `*warning` says why (may be null).
  static History Load(const std::string& path, std::string* warning);

  std::optional<HistoryRecord> Best(const std::string& signature) const;
  // Keeps `record` when its signature is new or its score beats the stored one.
  void Record(const HistoryRecord& record);
  // Merges this history into the file at `path` (see the header): the file
  // ends up with the union, the better score per signature. This object is
  // not changed.
  absl::Status Save(const std::string& path) const;
  size_t size() const { return records_.size(); }

 private:
  std::map<std::string, HistoryRecord> records_;
};

}  // namespace adaptrt::tuning

#endif  // ADAPTRT_TUNING_HISTORY_H_
